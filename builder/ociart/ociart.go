// Package ociart makes OCI 1.1 artifacts for go-containerregistry: an image manifest
// with an artifactType, a config blob of its own media type and file-backed layers.
// go-containerregistry has no builder for these; the result is a v1.Image that
// remote.Write, layout stores and mutate.AppendManifests accept.
package ociart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Layer is one blob of an artifact, read from a file when it is needed. Digest and
// Size must be those of the file (the caller has verified them).
type Layer struct {
	Path        string
	MediaType   types.MediaType
	Digest      v1.Hash
	Size        int64
	Annotations map[string]string
}

// Artifact describes the manifest to make.
type Artifact struct {
	ArtifactType    string
	Config          []byte
	ConfigMediaType types.MediaType
	Layers          []Layer
	Annotations     map[string]string
}

// Image returns the artifact as a v1.Image. Its manifest bytes depend only on a.
func Image(a Artifact) (v1.Image, error) {
	cd, cs, err := v1.SHA256(bytes.NewReader(a.Config))
	if err != nil {
		return nil, fmt.Errorf("artifact config: %w", err)
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  a.ArtifactType,
		Config:        v1.Descriptor{MediaType: a.ConfigMediaType, Size: cs, Digest: cd},
		Layers:        []v1.Descriptor{},
		Annotations:   a.Annotations,
	}
	layers := map[v1.Hash]Layer{}
	for _, l := range a.Layers {
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: l.MediaType, Size: l.Size, Digest: l.Digest, Annotations: l.Annotations})
		layers[l.Digest] = l
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("artifact manifest: %w", err)
	}
	return partial.CompressedToImage(&core{artifactType: a.ArtifactType, config: a.Config, manifest: raw, layers: layers})
}

// core implements partial.CompressedImageCore and partial's ArtifactType.
type core struct {
	artifactType string
	config       []byte
	manifest     []byte
	layers       map[v1.Hash]Layer
}

func (c *core) RawConfigFile() ([]byte, error)      { return c.config, nil }
func (c *core) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (c *core) RawManifest() ([]byte, error)        { return c.manifest, nil }
func (c *core) ArtifactType() (string, error)       { return c.artifactType, nil }
func (c *core) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	l, ok := c.layers[h]
	if !ok {
		return nil, fmt.Errorf("artifact has no layer %s", h)
	}
	return fileLayer{l}, nil
}

// fileLayer is a Layer as partial.CompressedLayer.
type fileLayer struct{ l Layer }

func (f fileLayer) Digest() (v1.Hash, error)            { return f.l.Digest, nil }
func (f fileLayer) Compressed() (io.ReadCloser, error)  { return os.Open(f.l.Path) }
func (f fileLayer) Size() (int64, error)                { return f.l.Size, nil }
func (f fileLayer) MediaType() (types.MediaType, error) { return f.l.MediaType, nil }
