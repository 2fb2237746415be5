package tufclient

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// cache is the directory of trusted metadata.
type cache struct {
	dir string
}

// read returns a cached file; ok is false when there is none.
func (c *cache) read(name string) ([]byte, bool, error) {
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("tuf: cache: %w", err)
	}
	return b, true, nil
}

// write replaces name with b atomically (temporary file, fsync, rename, fsync of the
// directory), so a crash leaves the old or the new file.
func (c *cache) write(name string, b []byte) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("tuf: cache: %w", err)
	}
	f, err := os.CreateTemp(c.dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("tuf: cache: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(c.dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tuf: cache: write %s: %w", name, err)
	}
	return c.syncDir()
}

// remove deletes cached files; missing ones are fine.
func (c *cache) remove(names ...string) error {
	for _, name := range names {
		if err := os.Remove(filepath.Join(c.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("tuf: cache: %w", err)
		}
	}
	return c.syncDir()
}

func (c *cache) syncDir() error {
	d, err := os.Open(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tuf: cache: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("tuf: cache: sync %s: %w", c.dir, err)
	}
	return nil
}

// persist writes a trusted metadata file to the cache, when there is one.
func (cl *Client) persist(name string, b []byte) error {
	if cl.cache == nil {
		return nil
	}
	return cl.cache.write(name, b)
}

// forget removes metadata files from the cache, when there is one.
func (cl *Client) forget(names ...string) error {
	if cl.cache == nil {
		return nil
	}
	return cl.cache.remove(names...)
}
