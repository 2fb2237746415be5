package kit

import (
	"encoding/json"
	"fmt"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kitbash-dev/kitbash/builder/ociart"
	"github.com/kitbash-dev/kitbash/builder/pkg"
)

// Member is a package of a kit: its manifest and the path of its tar.
type Member struct {
	Manifest pkg.Manifest
	Tar      string
}

// Index packs a kit: an OCI image index with one manifest for cfg.Arch, whose config
// is cfg (with the package index filled from members, sorted by name) and whose layers
// are the members' tars in the same order. The bytes depend only on the arguments.
func Index(cfg Config, members []Member) (v1.ImageIndex, error) {
	sorted := append([]Member(nil), members...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Manifest.Name < sorted[j].Manifest.Name })
	cfg.SchemaVersion = ConfigSchema
	cfg.Packages = nil
	var layers []ociart.Layer
	for i, m := range sorted {
		if i > 0 && sorted[i-1].Manifest.Name == m.Manifest.Name {
			return nil, fmt.Errorf("kit %s: package %s is included twice", cfg.Name, m.Manifest.Name)
		}
		h, err := v1.NewHash(m.Manifest.Files.Digest)
		if err != nil {
			return nil, fmt.Errorf("kit %s: package %s: files digest: %w", cfg.Name, m.Manifest.Name, err)
		}
		cfg.Packages = append(cfg.Packages, m.Manifest)
		layers = append(layers, ociart.Layer{Path: m.Tar, MediaType: LayerMediaType, Digest: h, Size: m.Manifest.Files.Size,
			Annotations: map[string]string{
				AnnotationTitle:   fmt.Sprintf("%s-%s-%d.%s.tar", m.Manifest.Name, m.Manifest.Version, m.Manifest.Release, m.Manifest.Arch),
				AnnotationPackage: m.Manifest.Name,
			}})
	}
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("kit %s: encode config: %w", cfg.Name, err)
	}
	ann := annotations(cfg)
	img, err := ociart.Image(ociart.Artifact{ArtifactType: ArtifactType, Config: append(raw, '\n'), ConfigMediaType: ConfigMediaType, Layers: layers, Annotations: ann})
	if err != nil {
		return nil, fmt.Errorf("kit %s: %w", cfg.Name, err)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{
		Add:        img,
		Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: goArch(cfg.Arch)}, ArtifactType: ArtifactType},
	})
	return mutate.Annotations(idx, ann).(v1.ImageIndex), nil
}

// annotations are the kit's OCI annotations; empty values are left out.
func annotations(cfg Config) map[string]string {
	a := map[string]string{AnnotationKit: cfg.Name, AnnotationVersion: cfg.Version, AnnotationCreated: cfg.Created}
	if cfg.Source != "" {
		a[AnnotationSource] = cfg.Source
	}
	if cfg.Revision != "" {
		a[AnnotationRevision] = cfg.Revision
	}
	return a
}

// goArch maps a package architecture to the OCI platform's.
func goArch(arch string) string {
	switch arch {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	}
	return arch
}
