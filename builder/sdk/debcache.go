package sdk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// storeDebs moves the .deb files apt left in incoming into the cache dir debs,
// one rename each, so the cache never holds a partly copied package. Files the
// cache already has are left alone. incoming must be on the cache's filesystem.
func storeDebs(incoming, debs string) error {
	entries, err := os.ReadDir(incoming)
	if err != nil {
		return fmt.Errorf("read downloaded packages: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".deb") {
			continue
		}
		dst := filepath.Join(debs, e.Name())
		if _, err := os.Stat(dst); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cache package %s: %w", e.Name(), err)
		}
		src := filepath.Join(incoming, e.Name())
		if err := syncFile(src); err != nil {
			return fmt.Errorf("cache package %s: %w", e.Name(), err)
		}
		if err := os.Rename(src, dst); err != nil {
			return fmt.Errorf("cache package %s: %w", e.Name(), err)
		}
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	serr := f.Sync()
	return errors.Join(serr, f.Close())
}
