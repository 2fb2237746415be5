package main

import (
	"os"

	"github.com/kitbash-dev/kitbash/agents/internal/initramfs"
)

// InitramfsMarker is the file that exists only in the initramfs.
const InitramfsMarker = "/kitbash-initramfs"

// initramfsStage runs the initramfs stage (initramfs.Main) when this is PID 1 and
// InitramfsMarker exists, and reports whether it ran. The stage switches root and
// execs /usr/bin/init, so it returns only with an error.
func initramfsStage() (ran bool, err error) {
	if os.Getpid() != 1 {
		return false, nil
	}
	if _, err := os.Stat(InitramfsMarker); err != nil {
		return false, nil
	}
	return true, initramfs.Main()
}
