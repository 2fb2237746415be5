package testsys

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/testsys/qemu"
)

// Suite names.
const (
	SuiteBoot         = "boot"
	SuiteBootstrap    = "bootstrap"
	SuiteSettings     = "settings"
	SuiteVerityTamper = "verity-tamper"
)

// SuiteNames lists every suite, in the order they run.
func SuiteNames() []string {
	return []string{SuiteBoot, SuiteBootstrap, SuiteSettings, SuiteVerityTamper}
}

// Defaults.
const (
	DefaultOVMFCode       = "/usr/share/OVMF/OVMF_CODE_4M.fd"
	DefaultOVMFVars       = "/usr/share/OVMF/OVMF_VARS_4M.fd"
	DefaultBootTimeout    = 180 * time.Second
	DefaultCommandTimeout = 90 * time.Second
	DefaultMemoryMiB      = 1024
	DefaultTamperFile     = "/usr/bin/updater"
)

// Options say what to test and how. Only ImageDir is required.
type Options struct {
	// ImageDir holds image.json and the disk (build/images/<variant>/<version>).
	ImageDir string
	// Suites to run, by name (see SuiteNames); empty runs them all.
	Suites []string
	// OVMFCode and OVMFVars are the UEFI firmware and its variables template
	// (defaults DefaultOVMFCode, DefaultOVMFVars; the template is copied per boot).
	OVMFCode, OVMFVars string
	// Accel is qemu.AccelTCG (default), qemu.AccelKVM or qemu.AccelAuto.
	Accel string
	// QEMU is the binary (default qemu.DefaultQEMU).
	QEMU string
	// MemoryMiB is the guest memory (default DefaultMemoryMiB).
	MemoryMiB int
	// BootTimeout bounds each boot, QEMU start to ready line, and the wait for the
	// bootstrap line (default DefaultBootTimeout).
	BootTimeout time.Duration
	// CommandTimeout bounds each command run in the guest (default
	// DefaultCommandTimeout).
	CommandTimeout time.Duration
	// WorkDir receives the disk copies and one console log per boot
	// (<boot>.console.log), and is kept. Empty: a temporary directory, removed at the
	// end.
	WorkDir string
	// Log receives progress lines and the summary; nil discards them.
	Log io.Writer
	// JUnitPath, when set, is where the JUnit XML report is written.
	JUnitPath string
	// TamperFile is the guest file verity-tamper corrupts; it must not be read during
	// boot (default DefaultTamperFile).
	TamperFile string
}

// withDefaults fills the zero fields and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.ImageDir == "" {
		return o, fmt.Errorf("no image directory given")
	}
	if len(o.Suites) == 0 {
		o.Suites = SuiteNames()
	}
	for _, s := range o.Suites {
		if !slices.Contains(SuiteNames(), s) {
			return o, fmt.Errorf("unknown suite %q; fix: use one of %s", s, strings.Join(SuiteNames(), ", "))
		}
	}
	o.OVMFCode = cmpOr(o.OVMFCode, DefaultOVMFCode)
	o.OVMFVars = cmpOr(o.OVMFVars, DefaultOVMFVars)
	o.Accel = cmpOr(o.Accel, qemu.AccelTCG)
	o.QEMU = cmpOr(o.QEMU, qemu.DefaultQEMU)
	o.TamperFile = cmpOr(o.TamperFile, DefaultTamperFile)
	if o.MemoryMiB == 0 {
		o.MemoryMiB = DefaultMemoryMiB
	}
	if o.BootTimeout <= 0 {
		o.BootTimeout = DefaultBootTimeout
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o, nil
}

func (o Options) wants(suite string) bool { return slices.Contains(o.Suites, suite) }

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
