package cli

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/testsys"
)

// testCaseView is a case in --output json.
type testCaseView struct {
	Suite      string   `json:"suite"`
	Name       string   `json:"name"`
	Passed     bool     `json:"passed"`
	DurationMs int64    `json:"durationMs"`
	Failure    string   `json:"failure,omitempty"`
	Notes      []string `json:"notes,omitempty"`
}

// testView is the report in --output json.
type testView struct {
	Variant    string         `json:"variant"`
	Version    string         `json:"version"`
	OK         bool           `json:"ok"`
	Passed     int            `json:"passed"`
	Failed     int            `json:"failed"`
	DurationMs int64          `json:"durationMs"`
	BootMs     int64          `json:"bootMs"`
	JUnit      string         `json:"junit"`
	Logs       string         `json:"logs"`
	Cases      []testCaseView `json:"cases"`
}

func newTestCmd(g *globals) *cobra.Command {
	var suites []string
	var junit, accel string
	var timeout time.Duration
	var version string
	c := &cobra.Command{
		Use:   "test VARIANT",
		Short: "Boot a built image in QEMU and run the test suites on it",
		Long: `Boots copies of the image that ` + "`kitbash build variant VARIANT`" + ` built for the project's release
version under QEMU with UEFI firmware (OVMF), talks to the guest's testsysd agent over a
second serial port, and runs the suites:

  boot           boots to KITBASH-READY; the kernel command line carries slot A's root hash;
                 os-release names the variant and version
  bootstrap      the bootstrap container ran and containerd lists it
  settings       apiclient get/set round trip, the rendered file, a refused request
  verity-tamper  a byte flipped in ROOT-A of a copy: reading the file must fail

Prints one line per case and the totals, writes JUnit XML (default
build/test-results/VARIANT/junit.xml, with each boot's console log next to it), and exits
non-zero when a case fails. Under TCG the whole run takes a few minutes.`,
		Example: "  kitbash test dev\n  kitbash test dev --suite boot --suite settings --junit out/junit.xml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, dir, im, err := g.builtImage(args[0], version)
			if err != nil {
				return err
			}
			acc, err := chooseAccel(accel)
			if err != nil {
				return err
			}
			results := filepath.Join(l.Dir, "build", "test-results", im.Variant)
			if junit == "" {
				junit = filepath.Join(results, "junit.xml")
			}
			log := g.stdout
			if g.output == "json" {
				log = g.stderr
			}
			rep, err := testsys.Run(cmd.Context(), testsys.Options{
				ImageDir: dir, Suites: suites, Accel: acc, BootTimeout: timeout,
				WorkDir: results, Log: log, JUnitPath: junit,
			})
			if err != nil {
				return err
			}
			v := testView{
				Variant: rep.Variant, Version: rep.Version, OK: rep.OK(),
				Passed: len(rep.Cases) - rep.Failed(), Failed: rep.Failed(),
				DurationMs: rep.Duration.Milliseconds(), BootMs: rep.BootTime.Milliseconds(),
				JUnit: junit, Logs: results,
			}
			for _, c := range rep.Cases {
				v.Cases = append(v.Cases, testCaseView{Suite: c.Suite, Name: c.Name, Passed: c.Passed(),
					DurationMs: c.Duration.Milliseconds(), Failure: c.Failure, Notes: c.Notes})
			}
			if err := g.emit(v, func() { fmt.Fprintf(g.stdout, "JUnit report: %s\n", junit) }); err != nil {
				return err
			}
			if !rep.OK() {
				return exitError{code: 1}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&version, "version", "", "the image's version (default: release-version in Kitbash.yaml)")
	f.StringSliceVar(&suites, "suite", nil, "run only this suite (repeat or comma-separate): boot, bootstrap, settings, verity-tamper (default all)")
	f.StringVar(&junit, "junit", "", "where to write the JUnit XML report (default build/test-results/VARIANT/junit.xml)")
	f.DurationVar(&timeout, "timeout", testsys.DefaultBootTimeout, "how long each boot may take to reach ready")
	f.StringVar(&accel, "accel", "auto", "accelerator: auto (kvm when it works here, else tcg), kvm or tcg")
	_ = c.RegisterFlagCompletionFunc("suite", fixedCompletion(testsys.SuiteNames()...))
	_ = c.RegisterFlagCompletionFunc("accel", fixedCompletion("auto", "kvm", "tcg"))
	return c
}
