package qemu

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// Accelerators accepted by [WithAccel].
const (
	AccelTCG  = "tcg"  // emulation; works everywhere (the default)
	AccelKVM  = "kvm"  // hardware virtualisation; Start fails where QEMU cannot use it
	AccelAuto = "auto" // kvm when /dev/kvm opens read-write, else tcg
)

// DefaultQEMU is the binary Start runs unless [WithQEMU] names another.
const DefaultQEMU = "qemu-system-x86_64"

// DefaultMemoryMiB is the guest memory unless [WithMemory] says otherwise.
const DefaultMemoryMiB = 512

// Option configures a machine; see the With functions.
type Option func(*config) error

// disk is one virtio block device.
type disk struct {
	path     string
	readonly bool
}

// config is what the options build; Start turns it into a QEMU command line.
type config struct {
	qemu      string
	kernel    string
	initrd    string
	cmdline   string
	hasAppend bool
	disks     []disk
	uefiCode  string
	uefiVars  string // the template; Start copies it
	memoryMiB int
	cpus      int    // 0: 1
	cpuModel  string // "": QEMU's default
	accel     string
	serialLog io.Writer
	timeout   time.Duration

	userNet       bool      // WithUserNetwork
	reboot        bool      // WithReboot
	controlSocket string    // WithControlSocket
	consoleOut    io.Writer // WithConsoleOutput
	consoleIn     io.Reader // WithConsoleInput
}

func defaultConfig() config {
	return config{qemu: DefaultQEMU, memoryMiB: DefaultMemoryMiB, accel: AccelTCG}
}

// WithKernel boots the kernel at path directly (-kernel), without a boot loader.
func WithKernel(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("WithKernel: empty path")
		}
		c.kernel = path
		return nil
	}
}

// WithInitrd passes the initramfs at path to a kernel given by [WithKernel].
func WithInitrd(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("WithInitrd: empty path")
		}
		c.initrd = path
		return nil
	}
}

// WithAppend sets the kernel command line of a kernel given by [WithKernel].
func WithAppend(cmdline string) Option {
	return func(c *config) error {
		c.cmdline = cmdline
		c.hasAppend = true
		return nil
	}
}

// WithDisk adds the raw image at path as the next virtio disk (/dev/vda, /dev/vdb, …
// in the order given), read-only if readonly is true. It may be repeated.
func WithDisk(path string, readonly bool) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("WithDisk: empty path")
		}
		c.disks = append(c.disks, disk{path: path, readonly: readonly})
		return nil
	}
}

// WithUEFI boots through UEFI firmware on a q35 machine: codePath is the read-only
// firmware (e.g. /usr/share/OVMF/OVMF_CODE_4M.fd) and varsTemplatePath its variable
// store (OVMF_VARS_4M.fd), which Start copies to a temporary file so the template is
// never written; the copy is removed when QEMU exits.
func WithUEFI(codePath, varsTemplatePath string) Option {
	return func(c *config) error {
		if codePath == "" || varsTemplatePath == "" {
			return errors.New("WithUEFI: firmware code and variables template paths are both required")
		}
		c.uefiCode, c.uefiVars = codePath, varsTemplatePath
		return nil
	}
}

// WithMemory sets the guest memory in MiB (default [DefaultMemoryMiB]).
func WithMemory(mib int) Option {
	return func(c *config) error {
		if mib < 16 {
			return fmt.Errorf("WithMemory: %d MiB is too little; fix: give at least 16", mib)
		}
		c.memoryMiB = mib
		return nil
	}
}

// WithCPUs gives the guest n virtual CPUs (default 1).
func WithCPUs(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("WithCPUs: %d: fix: give 1 to 64", n)
		}
		c.cpus = n
		return nil
	}
}

// WithCPUModel sets QEMU's -cpu, e.g. "max" (every feature TCG emulates: SHA-NI, AVX2,
// as a modern host CPU has); default QEMU's own model.
func WithCPUModel(model string) Option {
	return func(c *config) error {
		if model == "" || strings.ContainsAny(model, " \t\n") {
			return fmt.Errorf("WithCPUModel: %q: fix: name a QEMU CPU model, e.g. max", model)
		}
		c.cpuModel = model
		return nil
	}
}

// WithAccel chooses the accelerator: [AccelTCG] (the default), [AccelKVM] or
// [AccelAuto]. Auto picks kvm whenever /dev/kvm opens, which on hosts whose /dev/kvm
// is a nested PVM backend gives a guest that never boots: use tcg there.
func WithAccel(accel string) Option {
	return func(c *config) error {
		switch accel {
		case AccelTCG, AccelKVM, AccelAuto:
			c.accel = accel
			return nil
		}
		return fmt.Errorf("WithAccel: unknown accelerator %q; fix: use %q, %q or %q", accel, AccelTCG, AccelKVM, AccelAuto)
	}
}

// WithSerialLog copies every serial line, cleaned as [Machine.Lines] returns it and
// ended with "\n", to w as it arrives. w is written from one goroutine at a time; a
// write error stops the copying, not the machine.
func WithSerialLog(w io.Writer) Option {
	return func(c *config) error {
		c.serialLog = w
		return nil
	}
}

// WithQEMU runs binary (a name looked up in PATH, or a path) instead of [DefaultQEMU].
func WithQEMU(binary string) Option {
	return func(c *config) error {
		if binary == "" {
			return errors.New("WithQEMU: empty binary")
		}
		c.qemu = binary
		return nil
	}
}

// WithTimeout kills QEMU d after it starts if it has not exited by then (0: no limit,
// the default).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithTimeout: negative duration %v", d)
		}
		c.timeout = d
		return nil
	}
}

// maxSocketPath is the longest Unix socket path (sun_path holds 108 bytes with the NUL).
const maxSocketPath = 107

// WithControlSocket adds a second serial port, the guest's ttyS1, as a Unix socket at
// path that QEMU listens on without waiting for a client (-chardev socket,server=on,
// wait=off): testsys's control channel to the guest's testsysd (see package
// testsys/control). QEMU replaces a file already at path. Until a client connects,
// what the guest writes there is lost.
func WithControlSocket(path string) Option {
	return func(c *config) error {
		switch {
		case path == "":
			return errors.New("WithControlSocket: empty path")
		case len(path) > maxSocketPath:
			return fmt.Errorf("WithControlSocket: %s is %d bytes, longer than a Unix socket path may be (%d); fix: use a shorter directory, e.g. under os.TempDir()", path, len(path), maxSocketPath)
		}
		c.controlSocket = filepath.Clean(path)
		return nil
	}
}

// WithConsoleOutput copies QEMU's console output to w as it comes, unchanged (escape
// sequences, partial lines and all), for a person watching a terminal; the cleaned
// lines still go to [Machine.Lines] and [WithSerialLog]. A write error stops the
// copying, not the machine.
func WithConsoleOutput(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			return errors.New("WithConsoleOutput: nil writer")
		}
		c.consoleOut = w
		return nil
	}
}

// WithConsoleInput feeds r to the guest's console, which is then multiplexed with
// QEMU's monitor (-serial mon:stdio: Ctrl-A x quits QEMU, Ctrl-A c switches to the
// monitor). It is meant for an interactive run: r is read through a pipe, so QEMU
// never touches a terminal's settings, and a read from r that is blocked when QEMU
// exits is left behind.
func WithConsoleInput(r io.Reader) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("WithConsoleInput: nil reader")
		}
		c.consoleIn = r
		return nil
	}
}

// WithUserNetwork gives the guest one virtio NIC on QEMU's user-mode network (slirp):
// DHCP hands out 10.0.2.15, and the guest reaches the host's 127.0.0.1 as 10.0.2.2.
func WithUserNetwork() Option {
	return func(c *config) error { c.userNet = true; return nil }
}

// WithReboot lets a guest reboot restart the machine (the same disk, NVRAM and console)
// instead of ending QEMU, for tests that follow a boot into the next one.
func WithReboot() Option {
	return func(c *config) error { c.reboot = true; return nil }
}
