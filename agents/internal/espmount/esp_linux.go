//go:build linux

package espmount

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
	"github.com/kitbash-dev/kitbash/agents/internal/initramfs"
	"github.com/kitbash-dev/kitbash/agents/internal/kmod"
	"github.com/kitbash-dev/kitbash/agents/internal/mountinfo"
)

// Where the ESP is mounted, and the lock every program changing it holds (bootslot and
// the updater), so that two never change the ESP at once.
const (
	espMount   = "/run/kitbash/esp"
	lockFile   = "/run/kitbash/bootslot.lock"
	efiVarsDir = "/sys/firmware/efi/efivars"
)

// espModules returns the modules the ESP needs (notes/boot.md, section 3): vfat
// (which needs fat), then, optional, the code pages vfat uses by default and
// efivarfs, when they are modules.
func espModules() (required, optional []string) {
	return []string{"vfat"}, []string{"nls_cp437", "nls_ascii", "nls_iso8859-1", "nls_utf8", "efivarfs"}
}

// Open is the real machine for the program prog (its name prefixes log lines): lock,
// mount efivarfs and the ESP as needed (read-write when write), and return a Host on
// them and the function that unmounts what was mounted and unlocks.
func Open(prog string, write bool) (bootslot.Host, func() error, error) {
	if err := os.MkdirAll(path.Dir(lockFile), 0o755); err != nil {
		return nil, nil, fmt.Errorf("lock: %w", err)
	}
	lock, err := os.OpenFile(lockFile, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		lock.Close()
		return nil, nil, fmt.Errorf("lock %s: %w", lockFile, err)
	}
	undo := []func() error{lock.Close}
	closeFn := func() error {
		var errs []error
		for i := len(undo) - 1; i >= 0; i-- {
			errs = append(errs, undo[i]())
		}
		return errors.Join(errs...)
	}
	h, unmount, err := mountAll(prog, write)
	if unmount != nil {
		undo = append(undo, unmount)
	}
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	return h, closeFn, nil
}

func mountAll(prog string, write bool) (bootslot.Host, func() error, error) {
	root := os.DirFS("/")
	mounted, err := readMountPoints()
	if err != nil {
		return nil, nil, err
	}
	loaded := false
	ensureModules := func() { // best effort: a missing module shows as a mount failure
		if !loaded {
			loadModules(prog, root)
			loaded = true
		}
	}
	h := bootslot.Paths{ESP: espMount, CmdlineFile: "/proc/cmdline"}
	if _, err := os.Stat("/sys/firmware/efi"); err == nil {
		if !mounted[efiVarsDir] {
			ensureModules()
			if err := syscall.Mount("efivarfs", efiVarsDir, "efivarfs", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
				return nil, nil, fmt.Errorf("mount efivarfs on %s: %w", efiVarsDir, err)
			}
		}
		h.EFIVars = efiVarsDir
	}
	cl, err := h.Cmdline()
	if err != nil {
		return nil, nil, err
	}
	p, err := initramfs.ParseCmdline(cl)
	if err != nil {
		return nil, nil, fmt.Errorf("kernel command line: %w", err)
	}
	disk, parts, err := bootslot.FindBootDisk(root, p.Root)
	if err != nil {
		return nil, nil, err
	}
	h.GPT = func() ([]bootslot.Partition, error) { return parts, nil }
	if mounted[espMount] {
		return h, nil, nil
	}
	var esp bootslot.Partition
	for _, q := range parts {
		if q.Type == bootslot.TypeESP && (esp.Dev == "" || q.Name == "ESP") {
			esp = q
		}
	}
	if esp.Dev == "" {
		return nil, nil, fmt.Errorf("no ESP partition with a device node on %s", disk)
	}
	ensureModules()
	if err := os.MkdirAll(espMount, 0o700); err != nil {
		return nil, nil, fmt.Errorf("mount ESP: %w", err)
	}
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC)
	if !write {
		flags |= syscall.MS_RDONLY
	}
	if err := syscall.Mount(esp.Dev, espMount, "vfat", flags, "umask=0077"); err != nil {
		return nil, nil, fmt.Errorf("mount ESP %s (vfat) on %s: %w", esp.Dev, espMount, err)
	}
	unmount := func() error {
		if err := syscall.Unmount(espMount, 0); err != nil {
			return fmt.Errorf("unmount ESP %s: %w", espMount, err)
		}
		return nil
	}
	return h, unmount, nil
}

func readMountPoints() (map[string]bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return mountinfo.MountPoints(f)
}

// loadModules loads the vfat, nls and efivarfs modules that are modules (not built
// in) of the running kernel, as agents/internal/initramfs does: the order from
// modules.dep with initramfs.ModuleOrder, each file with kmod.Load (finit_module(2)).
// Already loaded modules are fine (EEXIST). Failures are reported on stderr only.
func loadModules(prog string, root fs.FS) {
	release, err := fs.ReadFile(root, "proc/sys/kernel/osrelease")
	if err != nil {
		return
	}
	dir := path.Join("lib/modules", strings.TrimSpace(string(release)))
	dep, err := fs.ReadFile(root, path.Join(dir, "modules.dep"))
	if err != nil {
		return
	}
	builtin, _ := fs.ReadFile(root, path.Join(dir, "modules.builtin"))
	required, optional := espModules()
	order, err := initramfs.ModuleOrder(dep, builtin, required, optional)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: modules: %v\n", prog, err)
		return
	}
	for _, m := range order {
		if err := kmod.Load("/"+path.Join(dir, m.Path), kmod.Options{Compressed: m.Compressed()}); err != nil && !m.Optional {
			fmt.Fprintf(os.Stderr, "%s: load module %s: %v\n", prog, m.Name, err)
		}
	}
}
