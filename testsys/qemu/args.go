package qemu

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	if c.controlSocket != "" {
		if st, err := os.Stat(filepath.Dir(c.controlSocket)); err != nil || !st.IsDir() {
			return fmt.Errorf("control socket %s: its directory does not exist", c.controlSocket)
		}
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
	console := "stdio"
	if c.consoleIn != nil {
		console = "mon:stdio" // Ctrl-A x quits an interactive run
	}
	a := []string{"-nographic", "-serial", console, "-monitor", "none"}
	if !c.reboot {
		a = append(a, "-no-reboot")
	}
	if c.userNet {
		a = append(a, "-nic", "user,model=virtio-net-pci")
	} else {
		a = append(a, "-nic", "none")
	}
	a = append(a,
		"-m", strconv.Itoa(c.memoryMiB), "-smp", strconv.Itoa(max(c.cpus, 1)),
		// A hardware RNG, as clouds give (RDRAND, virtio-rng): without one the guest's
		// random pool takes seconds to initialise under TCG and blocks getrandom(2)
		// (mkfs.ext4 of DATA on first boot, Go programs).
		"-device", "virtio-rng-pci",
	)
	if c.cpuModel != "" {
		a = append(a, "-cpu", c.cpuModel)
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
	if c.controlSocket != "" {
		// After the console's -serial, so it is the guest's second port (ttyS1).
		a = append(a, "-chardev", "socket,id=ctl,path="+optValue(c.controlSocket)+",server=on,wait=off",
			"-serial", "chardev:ctl")
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
