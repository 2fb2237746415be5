//go:build linux

package initramfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
	"unsafe"

	"github.com/kitbash-dev/kitbash/agents/internal/kmod"
)

// Main is the real-system entry: as PID 1 of the initramfs it runs Run with
// DefaultConfig on the real machine. It returns only if the boot failed and the
// reboot did not happen.
func Main() error {
	if os.Getpid() != 1 {
		return errors.New("initramfs: must run as PID 1 of an initramfs")
	}
	return Run(DefaultConfig(), linuxSystem{FS: os.DirFS("/")})
}

// linuxSystem is System on the running kernel.
type linuxSystem struct{ fs.FS }

func (linuxSystem) Mount(m Mount) error {
	var flags uintptr
	if m.ReadOnly {
		flags |= syscall.MS_RDONLY
	}
	return syscall.Mount(m.Source, m.Target, m.FSType, flags, m.Data)
}

func (linuxSystem) MkdirAll(p string) error { return os.MkdirAll(p, 0o755) }

func (linuxSystem) LoadModule(path string, compressed bool) error {
	return kmod.Load(path, kmod.Options{Compressed: compressed})
}

func (linuxSystem) DMIoctl(cmd uintptr, buf []byte) error {
	f, err := os.OpenFile("/dev/mapper/control", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), cmd, uintptr(unsafe.Pointer(&buf[0])))
	if e != 0 {
		return e
	}
	return nil
}

func (s linuxSystem) Exec(argv ...string) error {
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	return c.Run()
}

func (linuxSystem) Console(line string) {
	f, err := os.OpenFile("/dev/console", os.O_WRONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, line)
		return
	}
	fmt.Fprintln(f, line)
	f.Close()
}

func (linuxSystem) Reboot() error {
	syscall.Sync()
	return syscall.Reboot(syscall.LINUX_REBOOT_CMD_RESTART)
}

func (linuxSystem) Sleep(d time.Duration) { time.Sleep(d) }

// SwitchRoot does what switch_root(8) does: move the API file systems under newRoot,
// delete the initramfs's files (they would otherwise stay in memory), move newRoot
// onto /, chroot into it and exec init.
func (linuxSystem) SwitchRoot(newRoot, init string) error {
	for _, d := range []string{"/dev", "/proc", "/sys"} {
		if err := syscall.Mount(d, filepath.Join(newRoot, d), "", syscall.MS_MOVE, ""); err != nil {
			return fmt.Errorf("move %s: %w", d, err)
		}
	}
	freeInitramfs()
	if err := syscall.Chdir(newRoot); err != nil {
		return fmt.Errorf("chdir %s: %w", newRoot, err)
	}
	if err := syscall.Mount(newRoot, "/", "", syscall.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move %s to /: %w", newRoot, err)
	}
	if err := syscall.Chroot("."); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	if err := syscall.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	if err := syscall.Exec(init, []string{init}, os.Environ()); err != nil {
		return fmt.Errorf("exec %s: %w", init, err)
	}
	return nil
}

// Root file system magics (linux/magic.h): the initramfs is one of these.
const (
	ramfsMagic = 0x858458f6
	tmpfsMagic = 0x01021994
)

// freeInitramfs deletes the files of the initramfs, best effort, staying on its file
// system (mount points such as the new root are skipped). It does nothing unless / is
// a ramfs or tmpfs.
func freeInitramfs() {
	var sfs syscall.Statfs_t
	if err := syscall.Statfs("/", &sfs); err != nil {
		return
	}
	if t := uint32(sfs.Type); t != ramfsMagic && t != tmpfsMagic {
		return
	}
	var st syscall.Stat_t
	if err := syscall.Lstat("/", &st); err != nil {
		return
	}
	removeTree("/", st.Dev)
}

func removeTree(dir string, dev uint64) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil || uint64(st.Dev) != dev {
			continue
		}
		if e.IsDir() {
			removeTree(p, dev)
		}
		_ = os.Remove(p)
	}
}
