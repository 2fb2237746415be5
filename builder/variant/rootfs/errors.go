package rootfs

import "fmt"

// ExtraOwner is the owner that [Result.Owners] and errors give extra files.
const ExtraOwner = "(variant)"

// ConflictError is a path on which two packages, a package and an extra file, or a
// package and itself disagree (see the package documentation for the rules).
type ConflictError struct {
	Path   string // relative, without a trailing "/"
	First  string // the package that installed Path (or the parent in the way) first
	Second string // the package or ExtraOwner that conflicts with it
	msg    string
}

func (e *ConflictError) Error() string { return "rootfs: " + e.msg }

func conflict(p, first, second, format string, args ...any) *ConflictError {
	return &ConflictError{Path: p, First: first, Second: second, msg: fmt.Sprintf(format, args...)}
}

// who names an owner in a message.
func who(owner string) string {
	if owner == ExtraOwner {
		return "the variant's extra files"
	}
	return owner
}

// kind describes a node for a message: "a directory (0755, owner 0:0)".
func (n *node) kind() string {
	var s string
	switch n.typ {
	case typeDir:
		s = "a directory"
	case typeReg:
		s = "a regular file"
	case typeSymlink:
		return fmt.Sprintf("a symlink to %q", n.link)
	case typeChar:
		s = "a character device"
	case typeBlock:
		s = "a block device"
	case typeFifo:
		s = "a fifo"
	}
	return fmt.Sprintf("%s (%04o, owner %d:%d)", s, n.mode, n.uid, n.gid)
}

// installer names who put a node there, for a message.
func (n *node) installer() string {
	if n.owner == "" {
		return who(n.impliedBy) + " (implied by its files)"
	}
	return who(n.owner)
}

func firstOwner(n *node) string {
	if n.owner == "" {
		return n.impliedBy
	}
	return n.owner
}
