package ocistore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// readIndex reads index.json. It is replaced by rename, so reading it without the
// lock always sees a complete version.
func (s *Store) readIndex() (*v1.IndexManifest, error) {
	p := filepath.Join(s.dir, indexFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read OCI store index %s: %w", p, err)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parse OCI store index %s: %w", p, err)
	}
	return idx, nil
}

// setRef records desc under name, replacing any entry with the same name, and
// rewrites index.json atomically. The caller holds the store lock.
func (s *Store) setRef(name string, desc v1.Descriptor) error {
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	kept := idx.Manifests[:0]
	for _, d := range idx.Manifests {
		if d.Annotations[RefNameAnnotation] != name {
			kept = append(kept, d)
		}
	}
	desc.Annotations = map[string]string{RefNameAnnotation: name}
	b, err := encodeIndex(append(kept, desc))
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.tmpDir(), filepath.Join(s.dir, indexFile), b); err != nil {
		return fmt.Errorf("write OCI store index in %s: %w", s.dir, err)
	}
	return nil
}

// encodeIndex renders index.json with its entries sorted by ref name, then digest,
// so equal contents always give equal bytes.
func encodeIndex(manifests []v1.Descriptor) ([]byte, error) {
	sorted := slices.Clone(manifests)
	slices.SortStableFunc(sorted, func(a, b v1.Descriptor) int {
		if c := strings.Compare(a.Annotations[RefNameAnnotation], b.Annotations[RefNameAnnotation]); c != 0 {
			return c
		}
		return strings.Compare(a.Digest.String(), b.Digest.String())
	})
	if sorted == nil {
		sorted = []v1.Descriptor{}
	}
	idx := v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests:     sorted,
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode OCI store index: %w", err)
	}
	return append(b, '\n'), nil
}

// Resolve returns the index entry recorded under name.
func (s *Store) Resolve(name string) (v1.Descriptor, error) {
	idx, err := s.readIndex()
	if err != nil {
		return v1.Descriptor{}, err
	}
	for _, d := range idx.Manifests {
		if d.Annotations[RefNameAnnotation] == name {
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("image %q: %w %s", name, ErrNotFound, s.dir)
}
