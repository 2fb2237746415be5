// Package ocistore is Kitbash's local image store: a directory laid out as an OCI
// image layout (oci-layout, index.json, blobs/sha256/...). It is the default
// "registry" for Kitbash images and is handed to BuildKit as a content store.
//
// Several kitbash processes may use one store at the same time: blobs are written
// to temporary files and renamed into place, and index.json is rewritten
// atomically while holding an flock on DIR/.lock.
package ocistore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// RefNameAnnotation is the index.json annotation that names an image.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// ErrNotFound is wrapped by Resolve when no image has the requested name.
var ErrNotFound = errors.New("not found in OCI store")

const (
	layoutFile   = "oci-layout"
	indexFile    = "index.json"
	lockFile     = ".lock"
	tmpDir       = ".tmp"
	layoutJSON   = `{"imageLayoutVersion":"1.0.0"}` + "\n"
	blobsRelPath = "blobs/sha256"
)

// Store is an OCI image layout directory.
type Store struct {
	dir string
}

// Open opens the OCI image layout in dir, creating the directory, oci-layout,
// index.json and blobs/sha256 when they are missing.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("open OCI store: directory is empty")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open OCI store %s: %w", dir, err)
	}
	s := &Store{dir: abs}
	for _, d := range []string{s.blobDir(), s.tmpDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open OCI store %s: %w", abs, err)
		}
	}
	if err := s.ensureFile(layoutFile, []byte(layoutJSON)); err != nil {
		return nil, err
	}
	empty, err := encodeIndex(nil)
	if err != nil {
		return nil, err
	}
	if err := s.ensureFile(indexFile, empty); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir is the absolute path of the layout directory.
func (s *Store) Dir() string { return s.dir }

// Has reports whether the blob h (a manifest, config or layer) is in the store.
func (s *Store) Has(h v1.Hash) bool {
	if h.Algorithm != "sha256" || !validHex(h.Hex) {
		return false
	}
	fi, err := os.Stat(s.blobPath(h))
	return err == nil && fi.Mode().IsRegular()
}

func (s *Store) blobDir() string { return filepath.Join(s.dir, filepath.FromSlash(blobsRelPath)) }

func (s *Store) tmpDir() string { return filepath.Join(s.dir, tmpDir) }

func (s *Store) blobPath(h v1.Hash) string { return filepath.Join(s.blobDir(), h.Hex) }

// ensureFile creates name with data unless it already exists. Creation happens
// under the store lock so a concurrent Open never sees a half-written file.
func (s *Store) ensureFile(name string, data []byte) error {
	p := filepath.Join(s.dir, name)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	unlock, err := s.lock(context.Background())
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := writeFileAtomic(s.tmpDir(), p, data); err != nil {
		return fmt.Errorf("create %s in OCI store %s: %w", name, s.dir, err)
	}
	return nil
}

func validHex(hex string) bool {
	if len(hex) != 64 {
		return false
	}
	for _, c := range hex {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// BlobPath is the file of blob h in the store (it may not exist; see Has).
func (s *Store) BlobPath(h v1.Hash) string { return s.blobPath(h) }

// BlobDir is the directory holding the store's blobs, named by their hex digests.
func (s *Store) BlobDir() string { return s.blobDir() }
