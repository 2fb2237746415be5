package ocistore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to dst through a temporary file in tmp that is
// fsynced and renamed over dst, then fsyncs dst's directory.
func writeFileAtomic(tmp, dst string, data []byte) error {
	return writeAtomic(tmp, dst, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic creates a temporary file in tmp, lets fill write it, fsyncs it and
// renames it to dst. The temporary file is removed on any error.
func writeAtomic(tmp, dst string, fill func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(tmp, filepath.Base(dst)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", dst, err)
	}
	name := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(name)
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("chmod %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	if err := os.Rename(name, dst); err != nil {
		return fmt.Errorf("rename %s: %w", dst, err)
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	serr := d.Sync()
	cerr := d.Close()
	if err := errors.Join(serr, cerr); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
