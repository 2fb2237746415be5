// Package pkgstore keeps built packages on disk, keyed by the digest of all their inputs,
// so an unchanged package is found without building and without talking to the engine.
package pkgstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/pkg"
)

const (
	tarName      = "package.tar"
	manifestName = "manifest.json"
)

// Store is a directory of packages: DIR/<inputs hex>/{package.tar,manifest.json}.
type Store struct{ dir string }

// Entry is one stored package.
type Entry struct {
	Manifest pkg.Manifest
	Tar      string // path of the package tar
}

// Open creates the store directory if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open package store %s: %w", dir, err)
	}
	return &Store{dir: dir}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(inputs string) (string, error) {
	hexDigest, ok := strings.CutPrefix(inputs, "sha256:")
	if !ok || len(hexDigest) != 64 || strings.Trim(hexDigest, "0123456789abcdef") != "" {
		return "", fmt.Errorf("package store: %q is not a sha256 digest", inputs)
	}
	return filepath.Join(s.dir, hexDigest), nil
}

// Get returns the package built from these inputs, if the store has it.
func (s *Store) Get(inputs string) (Entry, bool, error) {
	p, err := s.path(inputs)
	if err != nil {
		return Entry{}, false, err
	}
	b, err := os.ReadFile(filepath.Join(p, manifestName))
	if errors.Is(err, os.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("package store: read %s: %w", p, err)
	}
	var m pkg.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Entry{}, false, fmt.Errorf("package store: %s/%s: %w", p, manifestName, err)
	}
	if m.InputsDigest != inputs {
		return Entry{}, false, fmt.Errorf("package store: %s holds inputs %s, not %s", p, m.InputsDigest, inputs)
	}
	return Entry{Manifest: m, Tar: filepath.Join(p, tarName)}, true, nil
}

// Put stores a package: the tar is read from r, the manifest written beside it. The
// entry appears all at once (a directory renamed into place), so a crash never leaves a
// half-written package under its key. Putting an existing key is a no-op.
func (s *Store) Put(m pkg.Manifest, r io.Reader) (Entry, error) {
	final, err := s.path(m.InputsDigest)
	if err != nil {
		return Entry{}, err
	}
	if e, ok, err := s.Get(m.InputsDigest); err != nil || ok {
		return e, err
	}
	tmp, err := os.MkdirTemp(s.dir, ".tmp-")
	if err != nil {
		return Entry{}, fmt.Errorf("package store: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := writeSynced(filepath.Join(tmp, tarName), r); err != nil {
		return Entry{}, err
	}
	b, err := m.Encode()
	if err != nil {
		return Entry{}, err
	}
	// Return the manifest as Get will read it back (sorted lists, schema version set),
	// so a package looks the same whether it was just built or found in the store.
	if err := json.Unmarshal(b, &m); err != nil {
		return Entry{}, fmt.Errorf("package store: %w", err)
	}
	if err := writeSynced(filepath.Join(tmp, manifestName), strings.NewReader(string(b))); err != nil {
		return Entry{}, err
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, ok, _ := s.Get(m.InputsDigest); ok { // another process stored it first
			return Entry{Manifest: m, Tar: filepath.Join(final, tarName)}, nil
		}
		return Entry{}, fmt.Errorf("package store: %w", err)
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return Entry{Manifest: m, Tar: filepath.Join(final, tarName)}, nil
}

func writeSynced(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("package store: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("package store: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("package store: sync %s: %w", path, err)
	}
	return f.Close()
}
