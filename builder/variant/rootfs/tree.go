package rootfs

import (
	"archive/tar"
	"fmt"
	"os"
	"path"
	"strings"
)

const (
	typeReg     = tar.TypeReg
	typeDir     = tar.TypeDir
	typeSymlink = tar.TypeSymlink
	typeChar    = tar.TypeChar
	typeBlock   = tar.TypeBlock
	typeFifo    = tar.TypeFifo
)

// capKey is the PAX record of the one extended attribute kept: file capabilities.
const capKey = "SCHILY.xattr.security.capability"

// inode is the content of a regular file, shared by the paths hardlinked to it.
type inode struct {
	src  *os.File // package tar holding the content at off, or nil
	off  int64
	size int64
	data []byte // content of an extra file
	caps string // raw security.capability value, "" if none
}

// node is one path of the tree. Paths are relative, clean, without a trailing "/".
type node struct {
	path               string
	typ                byte
	mode               int64 // permission, setuid, setgid and sticky bits
	uid, gid           int
	link               string // symlink target
	devmajor, devminor int64
	ino                *inode // regular files only
	owner              string // package (or ExtraOwner) that installed it; "" if implied
	impliedBy          string // for implied directories: the package whose files imply it
}

type tree struct {
	nodes map[string]*node
}

func newTree() *tree { return &tree{nodes: map[string]*node{}} }

// parents checks that every ancestor of p is a directory, never following a symlink,
// and creates the missing ones as implied directories (0755, 0:0).
func (t *tree) parents(p, owner string) error {
	for i := range len(p) {
		if p[i] != '/' {
			continue
		}
		dir := p[:i]
		switch n := t.nodes[dir]; {
		case n == nil:
			t.nodes[dir] = &node{path: dir, typ: typeDir, mode: 0o755, impliedBy: owner}
		case n.typ == typeDir:
		case n.typ == typeSymlink:
			return conflict(p, firstOwner(n), owner,
				"%s in %s: its parent %s is %s installed by %s, and symlinks are never followed; fix: install it at its real path",
				p, who(owner), dir, n.kind(), n.installer())
		default:
			return conflict(p, firstOwner(n), owner,
				"%s in %s: its parent %s is %s installed by %s, not a directory; fix: move one of them",
				p, who(owner), dir, n.kind(), n.installer())
		}
	}
	return nil
}

// sameDir reports whether two directories agree on mode and owner.
func sameDir(a, b *node) bool { return a.mode == b.mode && a.uid == b.uid && a.gid == b.gid }

// putPackage adds a package's entry (its parents already checked).
func (t *tree) putPackage(n *node) error {
	old := t.nodes[n.path]
	switch {
	case old == nil:
		t.nodes[n.path] = n
		return nil
	case old.typ == typeDir && n.typ == typeDir:
		return t.mergeDir(old, n)
	case old.typ != typeDir && n.typ != typeDir:
		return conflict(n.path, old.owner, n.owner,
			"%s is in both %s and %s; fix: install it from one package only (remove it from one spec, or drop one package from the variant)",
			n.path, old.owner, n.owner)
	default:
		return conflict(n.path, firstOwner(old), n.owner,
			"%s is %s in %s but %s in %s; fix: make them agree (one of them must move or go)",
			n.path, old.kind(), old.installer(), n.kind(), who(n.owner))
	}
}

// mergeDir merges a declared directory into an existing one.
func (t *tree) mergeDir(old, n *node) error {
	if old.owner == "" { // implied: the declaration decides
		t.nodes[n.path] = n
		return nil
	}
	if !sameDir(old, n) {
		return conflict(n.path, old.owner, n.owner,
			"directory %s is %s in %s but %s in %s; fix: give it the same mode and owner in both",
			n.path, old.kind(), who(old.owner), n.kind(), who(n.owner))
	}
	return nil
}

// cleanName turns a tar entry name into the tree's form; "" is the root directory.
// Names that are not clean (".." or "." elements, doubled slashes) are refused.
func cleanName(name string) (string, error) {
	p := strings.TrimPrefix(name, "./")
	p = strings.TrimLeft(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" || p == "." {
		return "", nil
	}
	if path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("path %q is not clean", name)
	}
	return p, nil
}
