package initramfs

import (
	"io/fs"
	"time"
)

// Mount is one mount(2) call.
type Mount struct {
	Source, Target, FSType string
	ReadOnly               bool
	Data                   string
}

// DeviceMapper issues device-mapper ioctls on /dev/mapper/control; buf is the whole
// dm_ioctl buffer, which the kernel may write back into.
type DeviceMapper interface {
	DMIoctl(cmd uintptr, buf []byte) error
}

// System is the machine Run works on. Reads go through the embedded fs.FS, rooted at
// "/" (paths without the leading slash: "proc/cmdline"); everything else through the
// methods, which take absolute paths. Tests pass a fake; Main passes the real one.
type System interface {
	fs.FS
	DeviceMapper
	Mount(m Mount) error
	MkdirAll(path string) error
	// LoadModule loads the module file with finit_module(2); compressed sets
	// MODULE_INIT_COMPRESSED_FILE. A module already loaded (EEXIST) is success.
	LoadModule(path string, compressed bool) error
	// OpenDisk opens a whole-disk block device ("/dev/vda") for reading and writing.
	OpenDisk(path string) (Disk, error)
	// BlkpgResize tells the kernel that partition pno of the whole-disk device disk now
	// spans length bytes from start (bytes), with the BLKPG_RESIZE_PARTITION ioctl.
	BlkpgResize(disk string, pno int, start, length int64) error
	// Exec runs a program to completion, its output on the console.
	Exec(argv ...string) error
	// SwitchRoot moves /dev, /proc and /sys under newRoot, frees the initramfs, makes
	// newRoot the root and execs init; it returns only on failure.
	SwitchRoot(newRoot, init string) error
	// Console prints one line on the console.
	Console(line string)
	// Reboot restarts the machine; it returns only on failure.
	Reboot() error
	Sleep(d time.Duration)
}

// Config is what Run does besides what the kernel command line says.
type Config struct {
	Modules         []string      // modules the boot needs (names as modprobe takes them)
	OptionalModules []string      // loaded if present; a failure is logged, not fatal
	NewRoot         string        // where the root is assembled
	Init            string        // the program exec'd on the new root
	Mkfs            []string      // makes DATA's file system; the device is appended
	DMName          string        // device-mapper name of the verity device
	DeviceTimeout   time.Duration // how long to wait for each device to appear
	PollInterval    time.Duration
}

// DefaultConfig is the configuration of a Kitbash image: virtio and NVMe disks, the
// Debian cloud kernel's modular dm-verity and erofs (ext4 is built in).
func DefaultConfig() Config {
	return Config{
		Modules:         []string{"virtio_pci", "virtio_blk", "dm-verity", "erofs", "ext4"},
		OptionalModules: []string{"nvme", "sha256-ssse3", "virtio-rng", "virtio_net"},
		NewRoot:         "/newroot",
		Init:            "/usr/bin/init",
		// The kernel zeroes inode tables and the journal lazily in the background, and the
		// blocks are not discarded one by one: first boot formats a large DATA in well
		// under a second instead of seconds (much more under emulation).
		Mkfs:          []string{"/sbin/mkfs.ext4", "-q", "-F", "-L", "DATA", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard"},
		DMName:        "root",
		DeviceTimeout: 30 * time.Second,
		PollInterval:  20 * time.Millisecond,
	}
}

// FailPrefix starts the one line printed when the boot fails.
const FailPrefix = "KITBASH-BOOT-FAILED: "
