package rootfs

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"sort"
)

// File is an extra file of the variant (os-release, settings defaults, service files),
// added after the packages.
type File struct {
	Path     string      // relative or absolute ("/etc/os-release"), clean
	Mode     fs.FileMode // permissions, setuid/setgid/sticky and the type: 0 (regular), ModeDir, ModeSymlink or ModeNamedPipe
	UID, GID int
	Data     []byte // content of a regular file
	Link     string // target of a symlink
}

// variantOwned reports whether an extra file may replace a package's file at p: only the
// variant's identity, os-release.
func variantOwned(p string) bool { return p == "etc/os-release" || p == "usr/lib/os-release" }

// extraNode validates an extra file and turns it into a node.
func extraNode(f File) (*node, error) {
	p, err := cleanName(f.Path)
	if err != nil {
		return nil, fmt.Errorf("rootfs: extra file: %w", err)
	}
	if p == "" {
		return nil, fmt.Errorf("rootfs: extra file %q: the root directory cannot be an extra file", f.Path)
	}
	if f.UID < 0 || f.GID < 0 {
		return nil, fmt.Errorf("rootfs: extra file %s: negative owner %d:%d", p, f.UID, f.GID)
	}
	const known = fs.ModeType | fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky
	if f.Mode&^known != 0 {
		return nil, fmt.Errorf("rootfs: extra file %s: unsupported mode bits %v", p, f.Mode&^known)
	}
	n := &node{path: p, mode: unixPerm(f.Mode), uid: f.UID, gid: f.GID, owner: ExtraOwner}
	switch f.Mode.Type() {
	case 0:
		n.typ = typeReg
		n.ino = &inode{data: f.Data, size: int64(len(f.Data))}
	case fs.ModeDir:
		n.typ = typeDir
	case fs.ModeSymlink:
		if f.Link == "" {
			return nil, fmt.Errorf("rootfs: extra file %s: symlink without a target (File.Link)", p)
		}
		n.typ, n.link, n.mode = typeSymlink, f.Link, 0o777
	case fs.ModeNamedPipe:
		n.typ = typeFifo
	default:
		return nil, fmt.Errorf("rootfs: extra file %s: unsupported type %v (regular files, directories, symlinks and fifos only)", p, f.Mode.Type())
	}
	if n.typ != typeReg && len(f.Data) > 0 {
		return nil, fmt.Errorf("rootfs: extra file %s: data given for %s", p, n.kind())
	}
	if n.typ != typeSymlink && f.Link != "" {
		return nil, fmt.Errorf("rootfs: extra file %s: link target given for %s", p, n.kind())
	}
	return n, nil
}

func unixPerm(m fs.FileMode) int64 {
	p := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		p |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		p |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		p |= 0o1000
	}
	return p
}

// addExtras applies the extra files sorted by path, so their order does not matter.
func (t *tree) addExtras(files []File, log io.Writer) error {
	nodes := make([]*node, 0, len(files))
	for _, f := range files {
		n, err := extraNode(f)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].path < nodes[j].path })
	for i, n := range nodes {
		if i > 0 && nodes[i-1].path == n.path {
			return fmt.Errorf("rootfs: extra file %s is given twice", n.path)
		}
		if err := t.parents(n.path, ExtraOwner); err != nil {
			return err
		}
		if err := t.putExtra(n, log); err != nil {
			return err
		}
	}
	return nil
}

func (t *tree) putExtra(n *node, log io.Writer) error {
	old := t.nodes[n.path]
	switch {
	case old == nil:
		t.nodes[n.path] = n
		return nil
	case old.typ == typeDir && n.typ == typeDir:
		return t.mergeDir(old, n)
	}
	same, err := sameEntry(old, n)
	if err != nil {
		return err
	}
	switch {
	case same:
		fmt.Fprintf(log, "rootfs: extra file %s is the same as %s's\n", n.path, old.owner)
		return nil
	case variantOwned(n.path) && old.typ != typeDir && n.typ != typeDir:
		fmt.Fprintf(log, "rootfs: extra file %s replaces %s's\n", n.path, old.owner)
		t.nodes[n.path] = n
		return nil
	}
	return conflict(n.path, firstOwner(old), ExtraOwner,
		"extra file %s is %s but %s installs %s; fix: drop the extra file or change the package (only etc/os-release and usr/lib/os-release may be replaced by extra files)",
		n.path, n.kind(), old.installer(), old.kind())
}

// sameEntry reports whether an extra file is the same as the package entry already there.
func sameEntry(old, n *node) (bool, error) {
	if old.typ != n.typ || old.mode != n.mode || old.uid != n.uid || old.gid != n.gid || old.link != n.link ||
		old.devmajor != n.devmajor || old.devminor != n.devminor {
		return false, nil
	}
	if n.typ != typeReg {
		return true, nil
	}
	if old.ino.caps != "" || old.ino.size != n.ino.size {
		return false, nil
	}
	data, err := io.ReadAll(old.ino.reader())
	if err != nil {
		return false, fmt.Errorf("rootfs: read %s of %s: %w", old.path, old.owner, err)
	}
	return bytes.Equal(data, n.ino.data), nil
}

// reader returns the inode's content.
func (i *inode) reader() io.Reader {
	if i.src == nil {
		return bytes.NewReader(i.data)
	}
	return io.NewSectionReader(i.src, i.off, i.size)
}
