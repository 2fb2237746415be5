package qemu

import (
	"errors"
	"fmt"
	"io"
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
	accel     string
	serialLog io.Writer
	timeout   time.Duration
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
