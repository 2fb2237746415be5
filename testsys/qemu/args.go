package qemu

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// validate reports a configuration that cannot boot, and missing input files.
func (c *config) validate() error {
	if c.kernel == "" && (c.initrd != "" || c.hasAppend) {
		return errors.New("WithInitrd and WithAppend need WithKernel")
	}
	if c.kernel == "" && c.uefiCode == "" && len(c.disks) == 0 {
		return errors.New("nothing to boot; fix: give WithKernel, WithUEFI or WithDisk")
	}
	files := []struct{ what, path string }{
		{"kernel", c.kernel}, {"initrd", c.initrd},
		{"UEFI firmware", c.uefiCode}, {"UEFI variables template", c.uefiVars},
	}
	for _, d := range c.disks {
		files = append(files, struct{ what, path string }{"disk", d.path})
	}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		st, err := os.Stat(f.path)
		if err != nil {
			return fmt.Errorf("%s: %w", f.what, err)
		}
		if !st.Mode().IsRegular() && st.Mode()&os.ModeDevice == 0 {
			return fmt.Errorf("%s %s: not a regular file or device", f.what, f.path)
		}
	}
	return nil
}

// args is QEMU's command line (without the binary) for accel, already resolved to
// "tcg" or "kvm", and varsPath, the writable copy of the UEFI variables.
func (c *config) args(accel, varsPath string) []string {
	a := []string{
		"-nographic", "-serial", "stdio", "-monitor", "none",
		"-no-reboot", "-nic", "none",
		"-m", strconv.Itoa(c.memoryMiB), "-smp", "1",
	}
	switch accel {
	case AccelKVM:
		a = append(a, "-accel", "kvm")
	default:
		a = append(a, "-accel", "tcg")
	}
	if c.uefiCode != "" {
		a = append(a, "-machine", "q35",
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file="+optValue(c.uefiCode),
			"-drive", "if=pflash,format=raw,unit=1,file="+optValue(varsPath))
	}
	if c.kernel != "" {
		a = append(a, "-kernel", c.kernel)
	}
	if c.initrd != "" {
		a = append(a, "-initrd", c.initrd)
	}
	if c.hasAppend {
		a = append(a, "-append", c.cmdline)
	}
	for _, d := range c.disks {
		v := "file=" + optValue(d.path) + ",if=virtio,format=raw"
		if d.readonly {
			v += ",readonly=on"
		}
		a = append(a, "-drive", v)
	}
	return a
}

// optValue escapes a value inside a QEMU key=value,… option: commas are doubled.
func optValue(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// resolveAccel turns [AccelAuto] into kvm or tcg.
func resolveAccel(accel, kvmDevice string) string {
	if accel != AccelAuto {
		return accel
	}
	f, err := os.OpenFile(kvmDevice, os.O_RDWR, 0)
	if err != nil {
		return AccelTCG
	}
	f.Close()
	return AccelKVM
}
