package pkgcache

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kitbash-dev/kitbash/builder/ociart"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
)

// The package artifact: an OCI 1.1 image manifest whose config is the package's
// manifest.json and whose one layer is package.tar, uncompressed.
const (
	ArtifactType                    = "application/vnd.kitbash.package.v1"
	ConfigMediaType types.MediaType = "application/vnd.kitbash.package.manifest.v1+json"
	LayerMediaType  types.MediaType = "application/vnd.kitbash.package.layer.v1.tar"
)

// maxConfigSize bounds the manifest.json read from a registry.
const maxConfigSize = 1 << 20

// newArtifact reads e.Tar once, to learn its size and to check its digest against
// e.Manifest.Files.Digest, and makes the package's artifact image.
func newArtifact(ctx context.Context, e pkgstore.Entry) (v1.Image, error) {
	config, err := e.Manifest.Encode()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(e.Tar)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dr := newDigestReader(ctx, f, e.Manifest.Files.Digest, e.Tar)
	if _, err := io.Copy(io.Discard, dr); err != nil {
		return nil, err
	}
	layerDigest, err := v1.NewHash(dr.digest())
	if err != nil {
		return nil, err
	}
	return ociart.Image(ociart.Artifact{
		ArtifactType:    ArtifactType,
		Config:          config,
		ConfigMediaType: ConfigMediaType,
		Layers: []ociart.Layer{{Path: e.Tar, MediaType: LayerMediaType, Digest: layerDigest, Size: dr.n,
			Annotations: map[string]string{"org.opencontainers.image.title": tarName}}},
	})
}

// checkArtifact vets a pulled manifest and returns its config and layer descriptors.
func checkArtifact(mt types.MediaType, raw []byte) (config, layer v1.Descriptor, _ error) {
	if mt != types.OCIManifestSchema1 {
		return config, layer, fmt.Errorf("a %s, not an OCI image manifest", mt)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return config, layer, fmt.Errorf("manifest: %w", err)
	}
	switch {
	case m.ArtifactType != ArtifactType:
		return config, layer, fmt.Errorf("artifact type %q, not %s", m.ArtifactType, ArtifactType)
	case m.Config.MediaType != ConfigMediaType:
		return config, layer, fmt.Errorf("config media type %q, not %s", m.Config.MediaType, ConfigMediaType)
	case m.Config.Size > maxConfigSize:
		return config, layer, fmt.Errorf("config of %d bytes, more than %d", m.Config.Size, maxConfigSize)
	case len(m.Layers) != 1 || m.Layers[0].MediaType != LayerMediaType:
		return config, layer, fmt.Errorf("layers are not exactly one %s", LayerMediaType)
	}
	return m.Config, m.Layers[0], nil
}
