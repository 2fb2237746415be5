// Package qemu starts x86_64 virtual machines under QEMU for testsys and reads their
// serial console.
//
// A machine is configured with functional options and started with [Start]:
//
//	m, err := qemu.Start(ctx,
//		qemu.WithKernel("vmlinuz"), qemu.WithInitrd("initrd.cpio"),
//		qemu.WithAppend("console=ttyS0 panic=-1 quiet"))
//	...
//	defer m.Stop()
//	line, elapsed, err := m.WaitFor(ctx, regexp.MustCompile(`KITBASH-READY`))
//
// QEMU runs with -nographic -no-reboot -nic none, its first serial port on its
// standard output and no monitor, in its own process group; it is only ever killed by
// its pid. The guest's serial output is split into lines with ANSI escape sequences and
// other control characters removed (firmware prefixes its output with them), so a
// pattern can match anywhere on a line.
//
// Acceleration is TCG unless [WithAccel] says otherwise: on the project's machines
// /dev/kvm is a nested PVM backend that stock kernels cannot boot on.
package qemu
