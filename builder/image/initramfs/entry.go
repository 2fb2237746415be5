package initramfs

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Entry is one member of the archive.
type Entry struct {
	// Path is where the member lies in the initramfs, "/init" or "init"; it is cleaned
	// and written without its leading "/". Missing parent directories are added
	// (mode 0755).
	Path string
	// Mode holds the type (0 for a regular file, fs.ModeDir, fs.ModeSymlink,
	// fs.ModeDevice|fs.ModeCharDevice for a character device, fs.ModeDevice for a block
	// device), the permission bits and fs.ModeSetuid, fs.ModeSetgid, fs.ModeSticky.
	// A symlink with no permission bits gets 0777.
	Mode fs.FileMode
	Data []byte // the contents of a regular file; empty for any other type
	Link string // the target of a symlink; empty for any other type
	Rdev Device // the device number of a device node
}

// Device is a device number, as ls -l shows it.
type Device struct{ Major, Minor uint32 }

// consoleDev is the device number of /dev/console, which the kernel opens for init's standard streams.
var consoleDev = Device{Major: 5, Minor: 1}

const typeMask = fs.ModeDir | fs.ModeSymlink | fs.ModeDevice | fs.ModeCharDevice

// cleanPath returns p without its leading "/", cleaned; it rejects the root, "..", and
// empty names.
func cleanPath(p string) (string, error) {
	c := path.Clean("/" + p)[1:]
	if c == "" {
		return "", fmt.Errorf("path %q: names the root", p)
	}
	for _, el := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if el == ".." {
			return "", fmt.Errorf("path %q: has a \"..\" element", p)
		}
	}
	if strings.ContainsRune(c, 0) {
		return "", fmt.Errorf("path %q: has a NUL byte", p)
	}
	return c, nil
}

// check reports whether e's fields fit its type.
func (e Entry) check() error {
	if e.Mode&^(typeMask|fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 {
		return fmt.Errorf("%s: unsupported mode %v", e.Path, e.Mode)
	}
	t := e.Mode & typeMask
	switch t {
	case 0, fs.ModeDir, fs.ModeSymlink, fs.ModeDevice, fs.ModeDevice | fs.ModeCharDevice:
	default:
		return fmt.Errorf("%s: unsupported file type %v", e.Path, e.Mode)
	}
	if t != 0 && len(e.Data) > 0 {
		return fmt.Errorf("%s: only a regular file has data", e.Path)
	}
	if (t == fs.ModeSymlink) != (e.Link != "") {
		return fmt.Errorf("%s: a symlink, and only a symlink, needs a link target", e.Path)
	}
	if t&fs.ModeDevice == 0 && e.Rdev != (Device{}) {
		return fmt.Errorf("%s: only a device node has a device number", e.Path)
	}
	if uint64(len(e.Data)) > 0xffffffff || uint64(len(e.Link)) > 0xffffffff {
		return fmt.Errorf("%s: larger than the 4 GiB a newc member can hold", e.Path)
	}
	return nil
}

// normalize checks the entries, cleans their paths, merges identical repeated
// directories, adds missing parent directories and sorts them (see [comparePaths]).
// It returns a new slice; the entries' Data is shared.
func normalize(entries []Entry) ([]Entry, error) {
	byPath := make(map[string]Entry, len(entries))
	for _, e := range entries {
		p, err := cleanPath(e.Path)
		if err != nil {
			return nil, err
		}
		e.Path = p
		if e.Mode&typeMask == fs.ModeSymlink && e.Mode.Perm() == 0 {
			e.Mode |= 0o777
		}
		if err := e.check(); err != nil {
			return nil, err
		}
		if old, ok := byPath[p]; ok {
			if old.Mode.IsDir() && old.Mode == e.Mode {
				continue
			}
			return nil, fmt.Errorf("%s: given twice (%v and %v)", p, old.Mode, e.Mode)
		}
		byPath[p] = e
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	slices.Sort(paths) // for the same error whatever the input order
	for _, p := range paths {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			old, ok := byPath[d]
			if !ok {
				byPath[d] = Entry{Path: d, Mode: fs.ModeDir | 0o755}
				continue
			}
			if !old.Mode.IsDir() {
				return nil, fmt.Errorf("%s: parent %s is not a directory (%v)", p, d, old.Mode)
			}
		}
	}
	out := make([]Entry, 0, len(byPath))
	for _, e := range byPath {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return comparePaths(a.Path, b.Path) })
	return out, nil
}

// comparePaths orders cleaned paths component by component: byte order, with "/"
// before every other byte, so that a directory is followed by its whole subtree
// ("a", "a/b", "a-b").
func comparePaths(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			return -1
		}
		if cb == '/' {
			return 1
		}
		if ca < cb {
			return -1
		}
		return 1
	}
	return len(a) - len(b)
}
