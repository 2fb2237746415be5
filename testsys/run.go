package testsys

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

// runner is one Run.
type runner struct {
	o    Options
	im   *imageinfo.Image
	disk string // the built disk; never written
	work string
	rep  Report
}

// Run tests the image in o.ImageDir and returns the report. Case failures are in the
// report (see [Report.OK]); the error is for what kept the tests from running: no
// image, no firmware, no QEMU, an unwritable work directory or JUnit path.
func Run(ctx context.Context, o Options) (Report, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Report{}, fmt.Errorf("testsys: %w", err)
	}
	im, err := imageinfo.Read(o.ImageDir)
	if err != nil {
		return Report{}, fmt.Errorf("testsys: %w", err)
	}
	r := &runner{o: o, im: im, disk: filepath.Join(o.ImageDir, im.Disk)}
	if _, err := os.Stat(r.disk); err != nil {
		return Report{}, fmt.Errorf("testsys: disk of %s %s: %w; fix: rebuild the image", im.Variant, im.Version, err)
	}
	for _, f := range []string{o.OVMFCode, o.OVMFVars} {
		if _, err := os.Stat(f); err != nil {
			return Report{}, fmt.Errorf("testsys: UEFI firmware: %w; fix: install OVMF (Debian: ovmf) or give its paths", err)
		}
	}
	if o.WorkDir == "" {
		if r.work, err = os.MkdirTemp("", "kitbash-testsys-"); err != nil {
			return Report{}, fmt.Errorf("testsys: work directory: %w", err)
		}
		defer os.RemoveAll(r.work)
	} else {
		r.work = o.WorkDir
		if err := os.MkdirAll(r.work, 0o755); err != nil {
			return Report{}, fmt.Errorf("testsys: work directory: %w", err)
		}
		r.rep.WorkDir = r.work
	}
	r.rep.Variant, r.rep.Version, r.rep.Started = im.Variant, im.Version, time.Now()

	if err := r.runSuites(ctx); err != nil {
		return r.rep, fmt.Errorf("testsys: %w", err)
	}
	r.rep.Duration = time.Since(r.rep.Started)
	if err := r.rep.WriteSummary(o.Log); err != nil {
		return r.rep, fmt.Errorf("testsys: summary: %w", err)
	}
	if o.JUnitPath != "" {
		if err := r.rep.writeJUnitFile(o.JUnitPath); err != nil {
			return r.rep, fmt.Errorf("testsys: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return r.rep, fmt.Errorf("testsys: %w", context.Cause(ctx))
	}
	return r.rep, nil
}

// runSuites boots the shared machine for boot, bootstrap and settings (and to read
// verity-tamper's target), then the tampered copy.
func (r *runner) runSuites(ctx context.Context) error {
	shared := filepath.Join(r.work, "boot.img")
	r.logf("copying %s to %s", r.disk, shared)
	if err := CopyDisk(shared, r.disk); err != nil {
		return err
	}
	bootStart := time.Now()
	g, bootErr := r.boot(ctx, "boot", shared)
	defer g.stop()
	if bootErr == nil {
		r.rep.BootTime = g.ready
	}
	// Cases after a failed boot fail with this, instead of running.
	var notBooted error
	if bootErr != nil {
		notBooted = fmt.Errorf("not run: the machine did not boot: %w", bootErr)
	}
	if r.o.wants(SuiteBoot) {
		r.bootSuite(ctx, g, bootStart, bootErr)
		if bootErr != nil {
			notBooted = errors.New("not run: the machine did not boot (see boot/ready)")
		}
	}
	if r.o.wants(SuiteBootstrap) {
		r.bootstrapSuite(ctx, g, notBooted)
	}
	var target *tamperTarget
	var targetErr error
	if r.o.wants(SuiteVerityTamper) {
		if notBooted != nil {
			targetErr = notBooted
		} else {
			target, targetErr = probeTarget(ctx, g, r.o.TamperFile)
		}
	}
	if r.o.wants(SuiteSettings) {
		r.settingsSuite(ctx, g, notBooted)
	}
	g.stop()
	os.Remove(shared)
	if r.o.wants(SuiteVerityTamper) {
		r.tamperSuite(ctx, target, targetErr)
	}
	return nil
}

// check runs one case and records it; g (may be nil) gives the console on failure.
// A non-nil skip fails the case at once with that reason.
func (r *runner) check(suite, name string, g *guest, skip error, fn func(c *Case) error) {
	c := Case{Suite: suite, Name: name}
	start := time.Now()
	err := skip
	if err == nil {
		err = fn(&c)
	}
	if c.Duration == 0 {
		c.Duration = time.Since(start)
	}
	if err != nil {
		c.Failure = err.Error()
		if skip == nil && len(c.Console) == 0 {
			c.Console = g.tail()
		}
	}
	status := "PASS"
	if err != nil {
		status = "FAIL"
	}
	r.logf("%s %s (%s)", status, c.ID(), roundDur(c.Duration))
	r.rep.Cases = append(r.rep.Cases, c)
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.o.Log, "testsys: "+format+"\n", args...)
}
