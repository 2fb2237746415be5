package kit

import (
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxConfigSize bounds a kit config read from a registry.
const maxConfigSize = 8 << 20

// Opened is a kit whose structure has been checked: its config, and for each package
// of the index the layer that carries it.
type Opened struct {
	Digest   v1.Hash // of the index
	Manifest v1.Hash // of the architecture's manifest
	Config   Config
	Image    v1.Image
	Layers   []v1.Layer // Layers[i] carries Config.Packages[i]
}

// Open checks that idx is a kit for arch and returns it. It reads the index, the
// manifest and the config, never the layers: their digests are checked against the
// package index here and their contents when they are read.
func Open(idx v1.ImageIndex, arch string) (*Opened, error) {
	d, err := idx.Digest()
	if err != nil {
		return nil, fmt.Errorf("kit: index digest: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("kit %s: index: %w", d, err)
	}
	if im.MediaType != types.OCIImageIndex {
		return nil, fmt.Errorf("kit %s: a %s, not an OCI image index: not a kit", d, im.MediaType)
	}
	var desc *v1.Descriptor
	for i := range im.Manifests {
		m := &im.Manifests[i]
		if m.Platform != nil && m.Platform.OS == "linux" && m.Platform.Architecture == goArch(arch) {
			desc = m
		}
	}
	if desc == nil {
		return nil, fmt.Errorf("kit %s has no manifest for linux/%s; fix: use a kit built for %s", d, goArch(arch), arch)
	}
	img, err := idx.Image(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("kit %s: manifest %s: %w", d, desc.Digest, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("kit %s: manifest %s: %w", d, desc.Digest, err)
	}
	switch {
	case m.ArtifactType != ArtifactType:
		return nil, fmt.Errorf("kit %s: artifact type %q, not %s: not a kit", d, m.ArtifactType, ArtifactType)
	case m.Config.MediaType != ConfigMediaType:
		return nil, fmt.Errorf("kit %s: config media type %q, not %s", d, m.Config.MediaType, ConfigMediaType)
	case m.Config.Size > maxConfigSize:
		return nil, fmt.Errorf("kit %s: config of %d bytes is over the %d-byte limit", d, m.Config.Size, maxConfigSize)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("kit %s: config: %w", d, err)
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("kit %s: config: %w", d, err)
	}
	if cfg.SchemaVersion != ConfigSchema {
		return nil, fmt.Errorf("kit %s: config schemaVersion %d; fix: use a kitbash that reads it (this one reads %d)", d, cfg.SchemaVersion, ConfigSchema)
	}
	if err := checkLayers(cfg, m.Layers); err != nil {
		return nil, fmt.Errorf("kit %s (%s %s): %w", d, cfg.Name, cfg.Version, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("kit %s: layers: %w", d, err)
	}
	return &Opened{Digest: d, Manifest: desc.Digest, Config: cfg, Image: img, Layers: layers}, nil
}

// checkLayers matches the manifest's layers with the package index, one for one.
func checkLayers(cfg Config, layers []v1.Descriptor) error {
	if len(layers) != len(cfg.Packages) {
		return fmt.Errorf("%d layers for %d packages", len(layers), len(cfg.Packages))
	}
	for i, l := range layers {
		p := cfg.Packages[i]
		switch {
		case i > 0 && cfg.Packages[i-1].Name >= p.Name:
			return fmt.Errorf("package index is not sorted by name at %q", p.Name)
		case l.MediaType != LayerMediaType:
			return fmt.Errorf("layer %d is a %s, not a package", i, l.MediaType)
		case l.Digest.String() != p.Files.Digest || l.Size != p.Files.Size:
			return fmt.Errorf("layer %d (%s, %d bytes) is not package %s (%s, %d bytes)", i, l.Digest, l.Size, p.Name, p.Files.Digest, p.Files.Size)
		}
	}
	return nil
}

func parseHash(d string) (v1.Hash, error) {
	h, err := v1.NewHash(d)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("kit digest %q: %w", d, err)
	}
	return h, nil
}
