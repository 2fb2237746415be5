package pid1

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/kitbash-dev/kitbash/agents/internal/mountinfo"
)

// Mount is one file system init mounts at boot.
type Mount struct {
	Source, Target, FSType string
	Flags                  uintptr
	Data                   string
}

// DefaultMounts are the file systems init mounts, in order (parents first).
func DefaultMounts() []Mount {
	const nsd = syscall.MS_NOSUID | syscall.MS_NODEV
	return []Mount{
		{"proc", "/proc", "proc", nsd | syscall.MS_NOEXEC, ""},
		{"sysfs", "/sys", "sysfs", nsd | syscall.MS_NOEXEC, ""},
		{"devtmpfs", "/dev", "devtmpfs", syscall.MS_NOSUID, "mode=0755"},
		{"devpts", "/dev/pts", "devpts", syscall.MS_NOSUID | syscall.MS_NOEXEC, "mode=0620,ptmxmode=0666"},
		{"tmpfs", "/dev/shm", "tmpfs", nsd, "mode=1777"},
		{"tmpfs", "/run", "tmpfs", nsd, "mode=0755"},
		{"tmpfs", "/tmp", "tmpfs", nsd, "mode=1777"},
		{"cgroup2", "/sys/fs/cgroup", "cgroup2", nsd | syscall.MS_NOEXEC, ""},
	}
}

// MountAll mounts each of mounts under root (the target is root joined with
// Mount.Target), creating the mount points, and skips those already mounted. It goes
// on after a failure and returns every failure; logf is told what was done.
func MountAll(root string, mounts []Mount, logf func(format string, a ...any)) error {
	var errs []error
	for _, m := range mounts {
		target := filepath.Join(root, m.Target)
		mounted, err := mountPoints(root)
		if err == nil && mounted[target] {
			logf("%s already mounted", target)
			continue
		}
		if err := os.MkdirAll(target, 0o755); err != nil {
			errs = append(errs, fmt.Errorf("mount %s: %w", target, err))
			continue
		}
		if err := syscall.Mount(m.Source, target, m.FSType, m.Flags, m.Data); err != nil {
			errs = append(errs, fmt.Errorf("mount %s on %s: %w", m.FSType, target, err))
			continue
		}
		logf("mounted %s on %s", m.FSType, target)
	}
	return errors.Join(errs...)
}

// mountPoints reads the mount points of this mount namespace from
// /proc/self/mountinfo, or from root's proc once it is mounted there.
func mountPoints(root string) (map[string]bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		if f, err = os.Open(filepath.Join(root, "proc/self/mountinfo")); err != nil {
			return nil, err
		}
	}
	defer f.Close()
	return mountinfo.MountPoints(f)
}
