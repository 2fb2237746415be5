//go:build linux

package kmod

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// Options says how a module file is loaded.
type Options struct {
	// Compressed sets MODULE_INIT_COMPRESSED_FILE (Linux 5.17+): the kernel
	// decompresses the file (.ko.xz, .ko.zst, ...) itself.
	Compressed bool
}

// moduleInitCompressedFile is MODULE_INIT_COMPRESSED_FILE (linux/module.h, 5.17+).
const moduleInitCompressedFile = 4

// Load loads the module file at path with finit_module(2) and no parameters. A module
// already loaded (EEXIST) is not an error.
func Load(path string, o Options) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	params, err := syscall.BytePtrFromString("")
	if err != nil {
		return err
	}
	var flags uintptr
	if o.Compressed {
		flags = moduleInitCompressedFile
	}
	_, _, e := syscall.Syscall(sysFinitModule, f.Fd(), uintptr(unsafe.Pointer(params)), flags)
	if e != 0 && e != syscall.EEXIST {
		return fmt.Errorf("finit_module: %w", e)
	}
	return nil
}
