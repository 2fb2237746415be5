package initramfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Marker is the file whose presence makes the agents' init run its initramfs stage.
const Marker = "/kitbash-initramfs"

// Spec says what goes into an initramfs.
type Spec struct {
	Init          []byte // the agents' init binary, written as /init
	KernelRelease string // uname -r of the kernel, e.g. 6.1.0-56-cloud-amd64
	// ModulesDir is a directory laid out like /lib/modules/<KernelRelease>: modules.dep
	// (from depmod; required), modules.builtin and modules.order (optional) and the
	// module files modules.dep names.
	ModulesDir string
	// Modules are the modules init loads, by name or file name ("dm-verity", "erofs",
	// "virtio_blk", "ext4"); '-' and '_' are the same. Each is shipped with the modules
	// it depends on, or recorded in modules.builtin when built into the kernel; one that
	// is neither is an error.
	Modules []string
	// Optional modules are shipped like Modules when modules.dep or modules.builtin
	// lists them, and left out otherwise (as init's optional modules, e.g. nvme,
	// sha256-ssse3).
	Optional []string
	// Extra entries are added as they are (e.g. /sbin/mkfs.ext4 and the libraries it
	// links). An Extra entry may not repeat a path Build makes, except a directory with
	// the same mode.
	Extra []Entry
}

// Build returns the entries of the initramfs described by s, normalised as WriteCPIO
// writes them (sorted, parents added), so the result does not depend on the order of
// s.Extra:
//
//	/init                      s.Init, mode 0755
//	/kitbash-initramfs         empty, 0644 (see [Marker])
//	/dev/console               character device 5:1, 0600
//	/proc /sys /dev /newroot /run   directories, 0755; /tmp 1777
//	/lib/modules/<release>/    the selected modules (0644) at their modules.dep paths;
//	                           modules.dep with only their lines (file order);
//	                           modules.builtin with only the named built-in modules and
//	                           modules.order with only the selected modules, when
//	                           ModulesDir has them
//	s.Extra
func Build(s Spec) ([]Entry, error) {
	if len(s.Init) == 0 {
		return nil, errors.New("initramfs: no init binary")
	}
	rel := s.KernelRelease
	if rel == "" || rel == "." || rel == ".." || strings.ContainsAny(rel, "/\x00") {
		return nil, fmt.Errorf("initramfs: bad kernel release %q", rel)
	}
	es := []Entry{
		{Path: "/init", Mode: 0o755, Data: s.Init},
		{Path: Marker, Mode: 0o644},
		{Path: "/dev", Mode: fs.ModeDir | 0o755},
		{Path: "/dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Rdev: consoleDev},
		{Path: "/proc", Mode: fs.ModeDir | 0o755},
		{Path: "/sys", Mode: fs.ModeDir | 0o755},
		{Path: "/newroot", Mode: fs.ModeDir | 0o755},
		{Path: "/run", Mode: fs.ModeDir | 0o755},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
	}
	mods, err := moduleEntries(s, path.Join("/lib/modules", rel))
	if err != nil {
		return nil, fmt.Errorf("initramfs: modules for %s: %w", rel, err)
	}
	es = append(es, mods...)
	es = append(es, s.Extra...)
	out, err := normalize(es)
	if err != nil {
		return nil, fmt.Errorf("initramfs: %w", err)
	}
	return out, nil
}

// moduleEntries returns the entries under dir (/lib/modules/<release>).
func moduleEntries(s Spec, dir string) ([]Entry, error) {
	depText, err := os.ReadFile(filepath.Join(s.ModulesDir, "modules.dep"))
	if err != nil {
		return nil, err
	}
	builtinText, err := readOptional(filepath.Join(s.ModulesDir, "modules.builtin"))
	if err != nil {
		return nil, err
	}
	orderText, err := readOptional(filepath.Join(s.ModulesDir, "modules.order"))
	if err != nil {
		return nil, err
	}
	dep, err := parseModulesDep(depText)
	if err != nil {
		return nil, err
	}
	builtin := map[string]bool{}
	for _, l := range strings.Fields(string(builtinText)) {
		builtin[moduleName(l)] = true
	}
	sel, err := dep.closure(builtin, s.Modules, s.Optional)
	if err != nil {
		return nil, err
	}

	es := []Entry{{Path: dir, Mode: fs.ModeDir | 0o755}}
	selected := map[string]bool{}
	for _, l := range sel {
		selected[l.name] = true
		b, err := os.ReadFile(filepath.Join(s.ModulesDir, filepath.FromSlash(l.path)))
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", l.name, err)
		}
		es = append(es, Entry{Path: path.Join(dir, l.path), Mode: 0o644, Data: b})
	}
	var depOut strings.Builder
	for _, l := range dep.lines { // file order, not load order: as depmod wrote it
		if selected[l.name] {
			depOut.WriteString(l.text + "\n")
		}
	}
	es = append(es, Entry{Path: path.Join(dir, "modules.dep"), Mode: 0o644, Data: []byte(depOut.String())})
	if builtinText != nil {
		named := map[string]bool{}
		for _, n := range append(append([]string(nil), s.Modules...), s.Optional...) {
			named[moduleName(n)] = true
		}
		es = append(es, Entry{Path: path.Join(dir, "modules.builtin"), Mode: 0o644, Data: filterLines(builtinText, named)})
	}
	if orderText != nil {
		es = append(es, Entry{Path: path.Join(dir, "modules.order"), Mode: 0o644, Data: filterLines(orderText, selected)})
	}
	return es, nil
}

// readOptional reads a file that may be missing: nil, nil then.
func readOptional(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
