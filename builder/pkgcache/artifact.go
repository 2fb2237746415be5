package pkgcache

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

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

// artifact implements partial.CompressedImageCore (and partial's ArtifactType) over a
// package-store entry; partial.CompressedToImage makes it a v1.Image for remote.Write.
type artifact struct {
	config   []byte
	manifest []byte
	layer    tarLayer
}

// newArtifact reads e.Tar once, to learn its size and to check its digest against
// e.Manifest.Files.Digest.
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
	configDigest, configSize, err := v1.SHA256(bytes.NewReader(config))
	if err != nil {
		return nil, err
	}
	layer := tarLayer{path: e.Tar, desc: v1.Descriptor{
		MediaType:   LayerMediaType,
		Size:        dr.n,
		Digest:      layerDigest,
		Annotations: map[string]string{"org.opencontainers.image.title": tarName},
	}}
	manifest, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        v1.Descriptor{MediaType: ConfigMediaType, Size: configSize, Digest: configDigest},
		Layers:        []v1.Descriptor{layer.desc},
	})
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&artifact{config: config, manifest: manifest, layer: layer})
}

func (a *artifact) RawConfigFile() ([]byte, error)      { return a.config, nil }
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }
func (a *artifact) ArtifactType() (string, error)       { return ArtifactType, nil }
func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h != a.layer.desc.Digest {
		return nil, fmt.Errorf("package artifact has no layer %s", h)
	}
	return a.layer, nil
}

// tarLayer is package.tar as a layer blob, read from its file on demand.
type tarLayer struct {
	path string
	desc v1.Descriptor
}

func (l tarLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l tarLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.path) }
func (l tarLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l tarLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

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
