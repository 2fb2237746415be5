package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// differ runs diffoscope on pairs of files and keeps its full reports.
type differ struct {
	bin      string        // the diffoscope command
	reports  string        // directory for the full text reports
	timeout  time.Duration // per pair
	maxSize  int64         // larger files are not given to diffoscope
	maxBytes int           // --max-text-report-size
	lines    int           // lines of a report shown in the excerpt
}

// diffReport is what diffoscope said about a pair.
type diffReport struct {
	excerpt string // the first lines of the report, or why there is none
	file    string // the full report, when one was written
}

// diff compares a pair with diffoscope. diffoscope exits 1 when the files differ, 0 when
// it finds no difference; anything else, or a time-out, is reported in the excerpt and
// does not stop the run.
func (d differ) diff(ctx context.Context, p pair, n int) (diffReport, error) {
	for _, f := range []string{p.a, p.b} {
		fi, err := os.Stat(f)
		if err != nil {
			return diffReport{}, fmt.Errorf("%s: %w", p.label, err)
		}
		if d.maxSize > 0 && fi.Size() > d.maxSize {
			return diffReport{excerpt: fmt.Sprintf("not given to diffoscope: %s is %d MiB, over -diffoscope-max-size (%d MiB); the smaller artifacts made of the same parts show where they differ",
				f, fi.Size()>>20, d.maxSize>>20)}, nil
		}
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, d.timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.bin, "--text", "-", "--max-text-report-size", fmt.Sprint(d.maxBytes),
		"--timeout", fmt.Sprint(int(d.timeout.Seconds())), p.a, p.b)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if parent.Err() != nil {
		return diffReport{}, fmt.Errorf("diffoscope %s: %w", p.label, parent.Err())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return diffReport{excerpt: "diffoscope finds no difference in the content (the digests differ: metadata only?)"}, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
	case ctx.Err() != nil:
		return diffReport{excerpt: fmt.Sprintf("diffoscope did not finish within %s", d.timeout)}, nil
	default:
		return diffReport{excerpt: fmt.Sprintf("diffoscope failed: %v\n%s", err, lastLines(errOut.String(), 10))}, nil
	}
	r := diffReport{excerpt: excerpt(out.String(), d.lines)}
	if d.reports != "" {
		if err := os.MkdirAll(d.reports, 0o755); err != nil {
			return r, fmt.Errorf("diffoscope reports: %w", err)
		}
		r.file = filepath.Join(d.reports, fmt.Sprintf("%02d-%s.txt", n, fileSafe(p.label)))
		if err := os.WriteFile(r.file, out.Bytes(), 0o644); err != nil {
			return r, fmt.Errorf("diffoscope report: %w", err)
		}
	}
	return r, nil
}

// excerpt is the first n lines of a report, with a note of how many were left out.
func excerpt(report string, n int) string {
	lines := strings.Split(strings.TrimRight(report, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n[… %d more lines]", len(lines)-n)
}

// fileSafe turns a label into a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
