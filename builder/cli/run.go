package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/testsys"
	"github.com/kitbash-dev/kitbash/testsys/qemu"
)

func newRunCmd(g *globals) *cobra.Command {
	var inPlace bool
	var accel string
	var memory int
	var version string
	c := &cobra.Command{
		Use:   "run VARIANT",
		Short: "Boot a built image in QEMU with its serial console on the terminal",
		Long: `Boots the image that ` + "`kitbash build variant VARIANT`" + ` built for the project's release version
under QEMU with UEFI firmware (OVMF), the serial console on this terminal, until the machine
powers off or Ctrl-C. Lines typed are sent to the console; Ctrl-A x also quits QEMU.

The built image is never written: the disk is copied (sparsely) to build/run/VARIANT/ first
and the copy keeps its state until the next run, unless --in-place boots the built disk
itself. KVM is used when it works here, else TCG emulation (about 10 s to boot).`,
		Example: "  kitbash run dev\n  kitbash run dev --accel tcg --memory 2048",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, dir, im, err := g.builtImage(args[0], version)
			if err != nil {
				return err
			}
			disk := filepath.Join(dir, im.Disk)
			if !inPlace {
				scratch := filepath.Join(l.Dir, "build", "run", im.Variant)
				if err := os.MkdirAll(scratch, 0o755); err != nil {
					return fmt.Errorf("run: %w", err)
				}
				copyPath := filepath.Join(scratch, im.Disk)
				fmt.Fprintf(g.stderr, "copying %s to %s\n", disk, copyPath)
				if err := testsys.CopyDisk(copyPath, disk); err != nil {
					return fmt.Errorf("run: %w", err)
				}
				disk = copyPath
			}
			acc, err := chooseAccel(accel)
			if err != nil {
				return err
			}
			// The guest's second serial port (ttyS1) is testsysd's: give it one, so the
			// agent starts as it does under `kitbash test`.
			sockDir, err := os.MkdirTemp("", "kitbash-run-")
			if err != nil {
				return fmt.Errorf("run: %w", err)
			}
			defer os.RemoveAll(sockDir)
			sock := filepath.Join(sockDir, "ctl.sock")
			fmt.Fprintf(g.stderr, "booting %s %s (%s) from %s; control channel (testsysd) on %s; Ctrl-C or Ctrl-A x to stop\n",
				im.Variant, im.Version, acc, disk, sock)
			m, err := qemu.Start(cmd.Context(),
				qemu.WithUEFI(testsys.DefaultOVMFCode, testsys.DefaultOVMFVars),
				qemu.WithDisk(disk, false), qemu.WithMemory(memory), qemu.WithAccel(acc),
				qemu.WithControlSocket(sock),
				qemu.WithConsoleOutput(g.stdout), qemu.WithConsoleInput(cmd.InOrStdin()))
			if err != nil {
				return err
			}
			code, err := m.Wait()
			if cmd.Context().Err() != nil {
				fmt.Fprintln(g.stderr, "\nstopped")
				return nil
			}
			if err != nil {
				return fmt.Errorf("run: %w", err)
			}
			fmt.Fprintf(g.stderr, "\nQEMU exited with code %d\n", code)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&version, "version", "", "the image's version (default: release-version in Kitbash.yaml)")
	f.BoolVar(&inPlace, "in-place", false, "boot the built disk itself instead of a copy (it is changed by the boot)")
	f.StringVar(&accel, "accel", "auto", "accelerator: auto (kvm when it works here, else tcg), kvm or tcg")
	f.IntVar(&memory, "memory", testsys.DefaultMemoryMiB, "guest memory in MiB")
	_ = c.RegisterFlagCompletionFunc("accel", fixedCompletion("auto", "kvm", "tcg"))
	return c
}

// builtImage loads the project and finds the image of variant at version (default: the
// project's release-version), with one clear error when it was not built.
func (g *globals) builtImage(variant, version string) (*project.Loaded, string, *imageinfo.Image, error) {
	l, err := g.project()
	if err != nil {
		return nil, "", nil, err
	}
	if version == "" {
		version = l.Project.ReleaseVersion
	}
	dir := imageinfo.Dir(l.Dir, variant, version)
	if _, err := os.Stat(filepath.Join(dir, imageinfo.FileName)); errors.Is(err, os.ErrNotExist) {
		return nil, "", nil, fmt.Errorf("variant %s has no image for version %s (no %s); fix: run `kitbash build variant %s`",
			variant, version, filepath.Join(dir, imageinfo.FileName), variant)
	}
	im, err := imageinfo.Read(dir)
	if err != nil {
		return nil, "", nil, err
	}
	return l, dir, im, nil
}

// chooseAccel maps --accel to a QEMU accelerator. auto means kvm only when /dev/kvm
// opens and the CPU has hardware virtualisation (vmx or svm): a /dev/kvm without them
// (a nested PVM backend) cannot boot stock kernels.
func chooseAccel(accel string) (string, error) {
	switch accel {
	case qemu.AccelTCG, qemu.AccelKVM:
		return accel, nil
	case qemu.AccelAuto:
		if kvmUsable("/dev/kvm", "/proc/cpuinfo") {
			return qemu.AccelKVM, nil
		}
		return qemu.AccelTCG, nil
	}
	return "", fmt.Errorf("--accel %q: fix: use auto, kvm or tcg", accel)
}

func kvmUsable(device, cpuinfo string) bool {
	f, err := os.OpenFile(device, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	b, err := os.ReadFile(cpuinfo)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, fl := range strings.Fields(v) {
				if fl == "vmx" || fl == "svm" {
					return true
				}
			}
			return false
		}
	}
	return false
}
