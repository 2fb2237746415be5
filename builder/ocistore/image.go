package ocistore

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

// Image returns the image whose manifest digest is h. Blobs are read lazily from
// the store.
func (s *Store) Image(h v1.Hash) (v1.Image, error) {
	if !s.Has(h) {
		return nil, fmt.Errorf("image %s: %w %s", h, ErrNotFound, s.dir)
	}
	raw, err := os.ReadFile(s.blobPath(h))
	if err != nil {
		return nil, fmt.Errorf("read manifest %s from OCI store %s: %w", h, s.dir, err)
	}
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("parse manifest %s in OCI store %s: %w", h, s.dir, err)
	}
	mt := probe.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	if mt != types.OCIManifestSchema1 && mt != types.DockerManifestSchema2 {
		return nil, fmt.Errorf("blob %s in OCI store %s is a %s, not an image manifest", h, s.dir, mt)
	}
	img, err := partial.CompressedToImage(&storeImage{s: s, raw: raw, mediaType: mt})
	if err != nil {
		return nil, fmt.Errorf("image %s in OCI store %s: %w", h, s.dir, err)
	}
	return img, nil
}

// storeImage is the partial.CompressedImageCore of an image in the store.
type storeImage struct {
	s         *Store
	raw       []byte
	mediaType types.MediaType
}

func (i *storeImage) RawManifest() ([]byte, error)        { return i.raw, nil }
func (i *storeImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *storeImage) manifest() (*v1.Manifest, error) {
	return v1.ParseManifest(bytes.NewReader(i.raw))
}
func (i *storeImage) RawConfigFile() ([]byte, error) {
	m, err := i.manifest()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(i.s.blobPath(m.Config.Digest))
}

// LayerByDigest serves layers and the config blob from the store.
func (i *storeImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	m, err := i.manifest()
	if err != nil {
		return nil, err
	}
	if m.Config.Digest == h {
		return &storeBlob{s: i.s, desc: m.Config}, nil
	}
	for _, l := range m.Layers {
		if l.Digest == h {
			return &storeBlob{s: i.s, desc: l}, nil
		}
	}
	return nil, fmt.Errorf("blob %s is not part of this image", h)
}

// storeBlob is one blob of an image in the store.
type storeBlob struct {
	s    *Store
	desc v1.Descriptor
}

func (b *storeBlob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b *storeBlob) Size() (int64, error)                { return b.desc.Size, nil }
func (b *storeBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }
func (b *storeBlob) Compressed() (io.ReadCloser, error) {
	f, err := os.Open(b.s.blobPath(b.desc.Digest))
	if err != nil {
		return nil, fmt.Errorf("open blob %s in OCI store %s: %w", b.desc.Digest, b.s.dir, err)
	}
	return f, nil
}
