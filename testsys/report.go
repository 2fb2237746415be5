package testsys

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Case is one test case's outcome.
type Case struct {
	Suite    string
	Name     string
	Duration time.Duration
	// Failure says why the case failed; empty when it passed.
	Failure string
	// Notes record what was measured or done (boot time, the flipped offset, ...).
	Notes []string
	// Console is the end of the guest's console when the case failed.
	Console []string
}

// Passed reports whether the case passed.
func (c Case) Passed() bool { return c.Failure == "" }

// ID is "suite/name".
func (c Case) ID() string { return c.Suite + "/" + c.Name }

// Report is the outcome of a Run.
type Report struct {
	Variant, Version string
	Started          time.Time
	Duration         time.Duration
	// BootTime is QEMU start to the ready line of the shared machine (0 if it did not
	// boot or was not started).
	BootTime time.Duration
	Cases    []Case
	// WorkDir holds the console logs when Options.WorkDir was given.
	WorkDir string
}

// Failed counts the failed cases.
func (r Report) Failed() int {
	n := 0
	for _, c := range r.Cases {
		if !c.Passed() {
			n++
		}
	}
	return n
}

// OK reports whether every case passed (and there was at least one).
func (r Report) OK() bool { return len(r.Cases) > 0 && r.Failed() == 0 }

// WriteSummary writes one line per case (PASS or FAIL, name, duration, and for a
// failure its reason, indented), then the totals.
func (r Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	width := 0
	for _, c := range r.Cases {
		width = max(width, len(c.ID()))
	}
	for _, c := range r.Cases {
		status := "PASS"
		if !c.Passed() {
			status = "FAIL"
		}
		fmt.Fprintf(&b, "%s  %-*s  %s\n", status, width, c.ID(), roundDur(c.Duration))
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "      %s\n", n)
		}
		if !c.Passed() {
			fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(c.Failure, "\n", "\n      "))
		}
	}
	fmt.Fprintf(&b, "%s %s: %d passed, %d failed, %d total in %s",
		r.Variant, r.Version, len(r.Cases)-r.Failed(), r.Failed(), len(r.Cases), roundDur(r.Duration))
	if r.WorkDir != "" {
		fmt.Fprintf(&b, " (console logs in %s)", r.WorkDir)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func roundDur(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
