package pkgcache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
)

// The package store's file names, which a local cache shares.
const (
	tarName      = "package.tar"
	manifestName = "manifest.json"
)

func (x *Exchange) packagesDir() string { return filepath.Join(x.ref.Dir, "packages") }

// putLocal writes DIR/packages/<hex>/ as the store does: a temp directory beside it,
// synced, renamed into place.
func (x *Exchange) putLocal(ctx context.Context, e pkgstore.Entry, hexKey string) error {
	dir := x.packagesDir()
	final := filepath.Join(dir, hexKey)
	if _, err := os.Stat(final); err == nil {
		fmt.Fprintf(x.cfg.log, "%s (%s) already in %s\n", label(e.Manifest), short(e.Manifest.InputsDigest), x.ref)
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pkgcache: export %s: %w", label(e.Manifest), err)
	}
	fail := func(err error) error {
		if ce := (*CorruptError)(nil); errors.As(err, &ce) {
			return ce
		}
		return fmt.Errorf("pkgcache: export %s to %s: %w", label(e.Manifest), final, err)
	}
	manifest, err := e.Manifest.Encode()
	if err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	src, err := os.Open(e.Tar)
	if err != nil {
		return fail(err)
	}
	defer src.Close()
	if err := writeSynced(filepath.Join(tmp, tarName), newDigestReader(ctx, src, e.Manifest.Files.Digest, e.Tar)); err != nil {
		return fail(err)
	}
	if err := writeSynced(filepath.Join(tmp, manifestName), bytes.NewReader(manifest)); err != nil {
		return fail(err)
	}
	if err := syncDir(tmp); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Stat(filepath.Join(final, manifestName)); serr == nil {
			return nil // another exporter was first
		}
		return fail(err)
	}
	if err := syncDir(dir); err != nil {
		return fail(err)
	}
	fmt.Fprintf(x.cfg.log, "exported %s (%s) to %s\n", label(e.Manifest), short(e.Manifest.InputsDigest), x.ref)
	return nil
}

func (x *Exchange) getLocal(ctx context.Context, inputs, hexKey string, store *pkgstore.Store) (pkgstore.Entry, bool, error) {
	entry := filepath.Join(x.packagesDir(), hexKey)
	b, err := os.ReadFile(filepath.Join(entry, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return pkgstore.Entry{}, false, nil
	}
	if err != nil {
		return pkgstore.Entry{}, false, fmt.Errorf("pkgcache: import %s: %w", entry, err)
	}
	var m pkg.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return pkgstore.Entry{}, false, &CorruptError{entry, manifestName + ": " + err.Error()}
	}
	if err := checkManifest(m, inputs, entry); err != nil {
		return pkgstore.Entry{}, false, err
	}
	f, err := os.Open(filepath.Join(entry, tarName))
	if errors.Is(err, fs.ErrNotExist) {
		return pkgstore.Entry{}, false, &CorruptError{entry, tarName + " is missing"}
	}
	if err != nil {
		return pkgstore.Entry{}, false, fmt.Errorf("pkgcache: import %s: %w", entry, err)
	}
	defer f.Close()
	e, err := x.importTar(ctx, m, f, store, entry)
	if err != nil {
		return pkgstore.Entry{}, false, err
	}
	return e, true, nil
}

func writeSynced(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
