package pkgbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// PathDigest hashes a file or directory tree for the inputs digest: relative names,
// types, permission bits, link targets and contents, in sorted order. Owners and times
// are left out: they are not part of what a package build may depend on.
func PathDigest(root string) (string, error) {
	h := sha256.New()
	var paths []string
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", root, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := hashEntry(h, root, p); err != nil {
			return "", err
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func hashEntry(h io.Writer, root, p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("hash %s: %w", p, err)
	}
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s\x00%o\x00", filepath.ToSlash(rel), fi.Mode()&(fs.ModeType|fs.ModePerm))
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return fmt.Errorf("hash %s: %w", p, err)
		}
		fmt.Fprintf(h, "%s\x00", target)
	case fi.Mode().IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("hash %s: %w", p, err)
		}
		defer f.Close()
		fmt.Fprintf(h, "%d\x00", fi.Size())
		if _, err := io.Copy(h, f); err != nil {
			return fmt.Errorf("hash %s: %w", p, err)
		}
	}
	return nil
}
