package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// pending is a package entry before its hardlinks are resolved.
type pending struct {
	n      *node
	target string // hardlink target, "" if not a hardlink
	caps   string // capabilities the entry's header carries
}

// readPackage reads one package tar into nodes (file contents stay in f) and adds them to
// the tree, parents first.
func (t *tree) readPackage(name string, f *os.File) (int, error) {
	entries, err := readEntries(name, f)
	if err != nil {
		return 0, err
	}
	if err := resolveHardlinks(name, entries); err != nil {
		return 0, err
	}
	paths := make([]string, 0, len(entries))
	for p := range entries {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := t.parents(p, name); err != nil {
			return 0, err
		}
		if err := t.putPackage(entries[p].n); err != nil {
			return 0, err
		}
	}
	return len(paths), nil
}

func readEntries(name string, f *os.File) (map[string]*pending, error) {
	entries := map[string]*pending{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("rootfs: package %s: read %s: %w", name, f.Name(), err)
		}
		e, err := entry(name, hdr)
		if err != nil {
			return nil, fmt.Errorf("rootfs: package %s: %w", name, err)
		}
		if e == nil {
			continue // the root directory
		}
		if entries[e.n.path] != nil {
			return nil, fmt.Errorf("rootfs: package %s: %s appears twice in its tar", name, e.n.path)
		}
		if e.n.typ == typeReg {
			// tar.Reader reads whole blocks and nothing ahead, so the file offset is now
			// the start of the entry's content.
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, fmt.Errorf("rootfs: package %s: %s: %w", name, e.n.path, err)
			}
			e.n.ino = &inode{src: f, off: off, size: hdr.Size, caps: e.caps}
		}
		entries[e.n.path] = e
	}
}

// entry turns a tar header into a pending node; nil for the root directory.
func entry(owner string, hdr *tar.Header) (*pending, error) {
	p, err := cleanName(hdr.Name)
	if err != nil {
		return nil, err
	}
	if p == "" {
		return nil, nil
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return nil, fmt.Errorf("%s: sparse files are not supported", p)
		}
	}
	n := &node{path: p, typ: hdr.Typeflag, mode: hdr.Mode & 0o7777, uid: hdr.Uid, gid: hdr.Gid, owner: owner}
	e := &pending{n: n, caps: hdr.PAXRecords[capKey]}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeDir: // tar.Reader already turned TypeRegA into these
	case tar.TypeSymlink:
		if hdr.Linkname == "" {
			return nil, fmt.Errorf("%s: symlink without a target", p)
		}
		n.link, n.mode = hdr.Linkname, 0o777
	case tar.TypeLink:
		if e.target, err = cleanName(hdr.Linkname); err != nil || e.target == "" {
			return nil, fmt.Errorf("%s: bad hardlink target %q", p, hdr.Linkname)
		}
	case tar.TypeChar, tar.TypeBlock:
		n.devmajor, n.devminor = hdr.Devmajor, hdr.Devminor
	case tar.TypeFifo:
	default:
		return nil, fmt.Errorf("%s: unsupported entry type %q", p, hdr.Typeflag)
	}
	if e.caps != "" && n.typ != typeReg && hdr.Typeflag != tar.TypeLink {
		return nil, fmt.Errorf("%s: security.capability on %s (only regular files may have it)", p, n.kind())
	}
	return e, nil
}

// resolveHardlinks makes every hardlink share the inode, mode and owner of the regular
// file of the same package it points to (directly or through other hardlinks).
func resolveHardlinks(owner string, entries map[string]*pending) error {
	for p, e := range entries {
		if e.target == "" {
			continue
		}
		target := e
		for steps := 0; target.target != ""; steps++ {
			next := entries[target.target]
			if next == nil {
				return fmt.Errorf("rootfs: package %s: hardlink %s points to %s, which is not in the package; fix: hardlinks must stay inside one package",
					owner, p, target.target)
			}
			if steps > len(entries) {
				return fmt.Errorf("rootfs: package %s: hardlink %s is part of a loop", owner, p)
			}
			target = next
		}
		if target.n.typ != typeReg {
			return fmt.Errorf("rootfs: package %s: hardlink %s points to %s, which is %s, not a regular file",
				owner, p, target.n.path, target.n.kind())
		}
		if e.caps != "" && e.caps != target.caps {
			return fmt.Errorf("rootfs: package %s: hardlink %s has other capabilities than %s", owner, p, target.n.path)
		}
		t := target.n
		e.n.typ, e.n.mode, e.n.uid, e.n.gid, e.n.ino = typeReg, t.mode, t.uid, t.gid, t.ino
	}
	return nil
}
