package kitsrc

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// maxEntries bounds the entries Unpack accepts.
const maxEntries = 1 << 20

// Unpack writes a sources tar into dir, which must be empty or not exist: every name
// must be a clean path inside dir, only folders, regular files and links that stay
// inside are accepted, nothing is written through a link, and permission bits are set
// as recorded (special bits never). Files and folders get the recorded time (the kit's
// SOURCE_DATE_EPOCH), so what a build copies from them does not carry the time of the
// rebuild. A tar made by Pack gives back the files Pack read, with the same path digests.
func Unpack(data []byte, dir string) error {
	if int64(len(data)) > MaxSize {
		return fmt.Errorf("unpack kit sources: %d bytes is over the %d-byte limit", len(data), MaxSize)
	}
	if err := emptyDir(dir); err != nil {
		return err
	}
	type dirMeta struct {
		mode  fs.FileMode
		mtime time.Time
	}
	dirs := map[string]dirMeta{}
	tr := tar.NewReader(bytes.NewReader(data))
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("unpack kit sources: %w", err)
		}
		if n >= maxEntries {
			return fmt.Errorf("unpack kit sources: more than %d entries", maxEntries)
		}
		rel, err := clean(strings.TrimSuffix(h.Name, "/"))
		if err != nil || rel != strings.TrimSuffix(h.Name, "/") {
			return fmt.Errorf("unpack kit sources: entry %q is not a clean path inside the project", h.Name)
		}
		if err := parents(dir, rel); err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		mode := fs.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(dst, 0o755); err != nil && !isDir(dst) {
				return fmt.Errorf("unpack kit sources: %w", err)
			}
			dirs[rel] = dirMeta{mode, h.ModTime}
		case tar.TypeReg:
			if err := writeFile(dst, tr, h.Size, mode); err != nil {
				return fmt.Errorf("unpack kit sources: %s: %w", rel, err)
			}
			if err := os.Chtimes(dst, h.ModTime, h.ModTime); err != nil {
				return fmt.Errorf("unpack kit sources: %w", err)
			}
		case tar.TypeSymlink:
			if !linkStaysInside(rel, h.Linkname) {
				return fmt.Errorf("unpack kit sources: %s links to %s, outside the project", rel, h.Linkname)
			}
			if err := os.Symlink(h.Linkname, dst); err != nil {
				return fmt.Errorf("unpack kit sources: %w", err)
			}
		default:
			return fmt.Errorf("unpack kit sources: %s: entry type %q is not a file, folder or link", rel, h.Typeflag)
		}
	}
	// Folder modes and times last, deepest first, so a read-only folder is filled before
	// it closes and a folder's time is set after its last entry.
	rels := make([]string, 0, len(dirs))
	for r := range dirs {
		rels = append(rels, r)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(rels)))
	for _, r := range rels {
		p := filepath.Join(dir, filepath.FromSlash(r))
		if err := os.Chmod(p, dirs[r].mode); err != nil {
			return fmt.Errorf("unpack kit sources: %w", err)
		}
		if err := os.Chtimes(p, dirs[r].mtime, dirs[r].mtime); err != nil {
			return fmt.Errorf("unpack kit sources: %w", err)
		}
	}
	return nil
}

// emptyDir creates dir, or checks that it is an empty folder.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unpack kit sources: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("unpack kit sources: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("unpack kit sources: %s is not empty; fix: give an empty or new folder", dir)
	}
	return nil
}

// parents creates the folders above rel that the tar did not list, and refuses to go
// through anything that is not a folder (a link above an entry would write elsewhere).
func parents(dir, rel string) error {
	p := dir
	for _, part := range strings.Split(path.Dir(rel), "/") {
		if part == "." {
			break
		}
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(p, 0o755); err != nil {
				return fmt.Errorf("unpack kit sources: %w", err)
			}
		case err != nil:
			return fmt.Errorf("unpack kit sources: %w", err)
		case !fi.IsDir():
			return fmt.Errorf("unpack kit sources: %s is below %s, which is not a folder", rel, part)
		}
	}
	return nil
}

// writeFile creates dst (it must not exist) with size bytes of r and mode.
func writeFile(dst string, r io.Reader, size int64, mode fs.FileMode) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if n, err := io.Copy(f, io.LimitReader(r, size)); err != nil || n != size {
		f.Close()
		return fmt.Errorf("short entry (%d of %d bytes): %v", n, size, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode) // exactly the recorded bits, whatever the umask
}

func isDir(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}
