package ocistore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// PutIndex writes the images of idx and then idx itself, and records it in index.json
// under name (replacing an older entry of that name). It returns the index digest.
func (s *Store) PutIndex(ctx context.Context, name string, idx v1.ImageIndex) (v1.Hash, error) {
	if name == "" {
		return v1.Hash{}, fmt.Errorf("put index in OCI store %s: name is empty", s.dir)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("put index %q: %w", name, err)
	}
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			return v1.Hash{}, fmt.Errorf("put index %q: manifest %s: %w", name, d.Digest, err)
		}
		if _, err := s.writeImage(ctx, img); err != nil {
			return v1.Hash{}, fmt.Errorf("put index %q: manifest %s: %w", name, d.Digest, err)
		}
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("put index %q: %w", name, err)
	}
	h, size, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return v1.Hash{}, err
	}
	if err := s.writeBlob(ctx, h, bytesOpener(raw)); err != nil {
		return v1.Hash{}, fmt.Errorf("put index %q: %w", name, err)
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return v1.Hash{}, err
	}
	defer unlock()
	if err := s.setRef(name, v1.Descriptor{MediaType: types.OCIImageIndex, Size: size, Digest: h}); err != nil {
		return v1.Hash{}, fmt.Errorf("put index %q: %w", name, err)
	}
	return h, nil
}

// Index returns the image index whose digest is h, reading blobs lazily from the store.
func (s *Store) Index(h v1.Hash) (v1.ImageIndex, error) {
	if !s.Has(h) {
		return nil, fmt.Errorf("index %s: %w %s", h, ErrNotFound, s.dir)
	}
	raw, err := os.ReadFile(s.blobPath(h))
	if err != nil {
		return nil, fmt.Errorf("read index %s from OCI store %s: %w", h, s.dir, err)
	}
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil || probe.MediaType != types.OCIImageIndex {
		return nil, fmt.Errorf("blob %s in OCI store %s is not an OCI image index", h, s.dir)
	}
	return &storeIndex{s: s, raw: raw}, nil
}

// storeIndex is an index in the store; its images come from the store too.
type storeIndex struct {
	s   *Store
	raw []byte
}

func (x *storeIndex) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }
func (x *storeIndex) Digest() (v1.Hash, error)            { return partial.Digest(x) }
func (x *storeIndex) Size() (int64, error)                { return partial.Size(x) }
func (x *storeIndex) RawManifest() ([]byte, error)        { return x.raw, nil }
func (x *storeIndex) IndexManifest() (*v1.IndexManifest, error) {
	var im v1.IndexManifest
	if err := json.Unmarshal(x.raw, &im); err != nil {
		return nil, fmt.Errorf("parse index: %w", err)
	}
	return &im, nil
}
func (x *storeIndex) Image(h v1.Hash) (v1.Image, error)           { return x.s.Image(h) }
func (x *storeIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) { return x.s.Index(h) }
