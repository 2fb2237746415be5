//go:build integration

package integration

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReproCatchesInjectedNondeterminism runs hack/repro (make repro) in its self-test
// mode: both project copies get a package that stamps the wall clock into its output,
// built on two machines from empty caches. The run must fail with exit 1 (a difference,
// not an error), name the package, show diffoscope's excerpt of the stamped file, and
// leave no directory or engine behind.
func TestReproCatchesInjectedNondeterminism(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "repro")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(repo, "hack", "repro")).CombinedOutput(); err != nil {
		t.Fatalf("build hack/repro: %v\n%s", err, out)
	}
	logs := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-kitbash", h.bin, "-buildkitd", filepath.Join(repo, ".tools", "bin", "buildkitd"),
		"-project", repo, "-source-date-epoch", epoch, "-logs", logs, "-inject-nondeterminism", "-share-sdk")
	out, err := cmd.CombinedOutput()
	t.Logf("hack/repro -inject-nondeterminism:\n%s", out)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("repro with an injected nondeterminism: %v; want exit status 1 (artifacts differ)", err)
	}
	s := string(out)
	for _, re := range []string{
		`(?m)^  package\s+repro-clock\s+sha256:[0-9a-f]{64}\s+sha256:[0-9a-f]{64}$`, // the mismatch table
		`(?m)^=== diffoscope: package repro-clock$`,
		`(?m)^    ├── usr/share/repro-clock/built-at$`, // diffoscope names the file
		`(?m)^    │ -\d+\.\d+$`,                        // and shows both clocks
		`(?m)^    │ \+\d+\.\d+$`,
		`(?m)^repro: NOT REPRODUCIBLE: 1 of 2 artifacts differ`,
	} {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("output lacks %s", re)
		}
	}
	reports, _ := filepath.Glob(filepath.Join(logs, "diffoscope", "*repro-clock*.txt"))
	if len(reports) != 1 {
		t.Errorf("diffoscope reports in %s: %v", logs, reports)
	}

	// Everything it made is gone: the machines' directory and their engines.
	m := regexp.MustCompile(`machine A: project (/\S+)/a/src/kitbash,`).FindStringSubmatch(s)
	if m == nil {
		t.Fatal("no machine A directory in the output")
	}
	if _, err := os.Stat(m[1]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is left behind (%v)", m[1], err)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), m[1]) {
			t.Errorf("a process of the run is left: %s: %q", p, b)
		}
	}
}
