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
	"time"
)

// entry is one file system object to pack, by its project-relative slash path.
type entry struct {
	rel  string
	abs  string
	info fs.FileInfo
	link string // a symbolic link's target
}

// Pack returns the deterministic tar of paths (project-relative, as Paths lists them;
// folders with everything below them) under root. A path that does not exist, a special
// file (device, socket, pipe) or a link that leaves the project is an error naming it.
func Pack(root string, paths []string, opts ...Option) ([]byte, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	entries := map[string]entry{}
	for _, p := range paths {
		rel, err := clean(p)
		if err != nil {
			return nil, fmt.Errorf("kit sources: %w", err)
		}
		if err := collect(root, rel, entries); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(cfg.epoch, 0).UTC()
	for _, n := range names {
		if err := writeEntry(tw, entries[n], mtime); err != nil {
			return nil, err
		}
		if int64(buf.Len()) > cfg.maxSize {
			return nil, fmt.Errorf("kit sources: over the %d-byte limit at %s; fix: keep large inputs out of path sources (use url sources, which are pinned by hash and fetched)", cfg.maxSize, n)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("kit sources: %w", err)
	}
	if int64(buf.Len()) > cfg.maxSize {
		return nil, fmt.Errorf("kit sources: over the %d-byte limit; fix: keep large inputs out of path sources (use url sources, which are pinned by hash and fetched)", cfg.maxSize)
	}
	return buf.Bytes(), nil
}

// collect adds rel and, for a folder, everything below it (links are not followed).
func collect(root, rel string, entries map[string]entry) error {
	start := filepath.Join(root, filepath.FromSlash(rel))
	if _, err := os.Lstat(start); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("kit sources: %s does not exist in the project %s", rel, root)
		}
		return fmt.Errorf("kit sources: %w", err)
	}
	return filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("kit sources: %w", err)
		}
		r, err := filepath.Rel(root, p)
		if err != nil {
			return fmt.Errorf("kit sources: %w", err)
		}
		r = filepath.ToSlash(r)
		if _, seen := entries[r]; seen {
			if d.IsDir() && p != start {
				return fs.SkipDir // packed already, as part of another path
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return fmt.Errorf("kit sources: %w", err)
		}
		e := entry{rel: r, abs: p, info: fi}
		switch {
		case fi.Mode().IsDir(), fi.Mode().IsRegular():
		case fi.Mode()&fs.ModeSymlink != 0:
			if e.link, err = os.Readlink(p); err != nil {
				return fmt.Errorf("kit sources: %w", err)
			}
			if !linkStaysInside(r, e.link) {
				return fmt.Errorf("kit sources: %s is a link to %s, outside the project; fix: make it a relative link inside the project, or copy what it points to", r, e.link)
			}
		default:
			return fmt.Errorf("kit sources: %s is a %s, not a file, folder or link; fix: remove it from the project", r, kind(fi.Mode()))
		}
		entries[r] = e
		return nil
	})
}

// linkStaysInside reports whether a link at rel with target stays inside the project.
func linkStaysInside(rel, target string) bool {
	if path.IsAbs(target) || filepath.IsAbs(target) {
		return false
	}
	return local(path.Join(path.Dir(rel), filepath.ToSlash(target)))
}

// writeEntry appends one entry: uid and gid 0, permission bits only, the fixed time.
func writeEntry(tw *tar.Writer, e entry, mtime time.Time) error {
	h := &tar.Header{Name: e.rel, Mode: int64(e.info.Mode().Perm()), ModTime: mtime}
	switch {
	case e.info.IsDir():
		h.Typeflag, h.Name = tar.TypeDir, e.rel+"/"
	case e.link != "":
		h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
	default:
		h.Typeflag, h.Size = tar.TypeReg, e.info.Size()
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("kit sources: %s: %w", e.rel, err)
	}
	if h.Typeflag != tar.TypeReg {
		return nil
	}
	f, err := os.Open(e.abs)
	if err != nil {
		return fmt.Errorf("kit sources: %w", err)
	}
	defer f.Close()
	if n, err := io.Copy(tw, io.LimitReader(f, h.Size)); err != nil || n != h.Size {
		return fmt.Errorf("kit sources: read %s: changed while it was packed (%d of %d bytes): %v", e.rel, n, h.Size, err)
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}
