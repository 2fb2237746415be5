package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// cas is the content-addressed blob store: root/sha256/<hex>. Blobs are written to
// root/tmp first, fsynced, then renamed, so a crash never leaves a partial blob
// under its real name.
type cas struct{ root string }

func (c cas) blobPath(hexSum string) string { return filepath.Join(c.root, "sha256", hexSum) }

func (c cas) tmpDir() string { return filepath.Join(c.root, "tmp") }

// stat reports the size of the blob, and whether it exists as a regular file.
func (c cas) stat(hexSum string) (int64, bool) {
	fi, err := os.Stat(c.blobPath(hexSum))
	if err != nil || !fi.Mode().IsRegular() {
		return 0, false
	}
	return fi.Size(), true
}

// tempFile creates a file in the cache's temp dir (same file system as the blobs).
func (c cas) tempFile(pattern string) (*os.File, error) {
	if err := os.MkdirAll(c.tmpDir(), 0o755); err != nil {
		return nil, fmt.Errorf("source: create cache temp dir: %w", err)
	}
	f, err := os.CreateTemp(c.tmpDir(), pattern)
	if err != nil {
		return nil, fmt.Errorf("source: create temp file in cache: %w", err)
	}
	return f, nil
}

// tempDir creates a directory in the cache's temp dir.
func (c cas) tempDir(pattern string) (string, error) {
	if err := os.MkdirAll(c.tmpDir(), 0o755); err != nil {
		return "", fmt.Errorf("source: create cache temp dir: %w", err)
	}
	d, err := os.MkdirTemp(c.tmpDir(), pattern)
	if err != nil {
		return "", fmt.Errorf("source: create temp dir in cache: %w", err)
	}
	return d, nil
}

// commit fsyncs and closes f, then renames it to the blob named hexSum. f is
// removed on failure. It returns the blob's path.
func (c cas) commit(f *os.File, hexSum string) (string, error) {
	tmp := f.Name()
	err := f.Chmod(0o644)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("source: write blob sha256:%s: %w", hexSum, err)
	}
	return c.commitPath(tmp, hexSum)
}

// commitPath renames the already synced and closed file tmp to the blob hexSum.
func (c cas) commitPath(tmp, hexSum string) (string, error) {
	dst := c.blobPath(hexSum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("source: create blob dir: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("source: store blob sha256:%s: %w", hexSum, err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return "", err
	}
	return dst, nil
}

// syncFile opens path and fsyncs it.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("source: open %s: %w", path, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("source: sync %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("source: open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("source: sync dir %s: %w", dir, err)
	}
	return nil
}

// writeFileAtomic writes data to path through a temp file in the same directory.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("source: create dir for %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("source: write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("source: write %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// hashFile returns the lowercase hex sha256 and the size of the file at path.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("source: open %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("source: read %s: %w", path, err)
	}
	return hexOf(h), n, nil
}

func hexOf(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// isHex reports whether s is n lowercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
