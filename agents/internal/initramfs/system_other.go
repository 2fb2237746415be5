//go:build !linux

package initramfs

import "errors"

// Main is the real-system entry; the initramfs stage runs on Linux only.
func Main() error { return errors.New("initramfs: Linux only") }
