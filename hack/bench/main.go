// Command bench measures Kitbash's engine and solve overheads side by side with a
// baseline taken in the same run, prints a table and writes JSON. It asserts nothing:
// figures are for people (make bench), never for tests.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

type row struct {
	Name         string  `json:"name"`
	Kitbash      float64 `json:"kitbashMs"`
	BaselineName string  `json:"baseline"`
	Baseline     float64 `json:"baselineMs"`
	Ratio        float64 `json:"ratio"`
	GoalMs       float64 `json:"goalMs,omitempty"`
	Runs         int     `json:"runs"`
}

type report struct {
	Machine map[string]string `json:"machine"`
	Rows    []row             `json:"results"`
	Notes   []string          `json:"notes,omitempty"`
	Extra   map[string]int64  `json:"figures,omitempty"`
}

type flags struct {
	kitbash, buildkitd, buildctl, out, project, cacheDir, only string
	runs                                                       int
	// guestCPUs and guestCPU shape the update row's guest (-smp, -cpu).
	guestCPUs int
	guestCPU  string
}

func main() {
	var f flags
	flag.StringVar(&f.kitbash, "kitbash", "bin/kitbash", "kitbash binary")
	flag.StringVar(&f.buildkitd, "buildkitd", ".tools/bin/buildkitd", "buildkitd binary")
	flag.StringVar(&f.buildctl, "buildctl", ".tools/bin/buildctl", "buildctl binary")
	flag.StringVar(&f.out, "out", "build/bench/results.json", "JSON results file")
	flag.StringVar(&f.project, "project", ".", "project whose locked SDK the solve benchmark uses")
	flag.StringVar(&f.cacheDir, "cache-dir", "", "kitbash cache dir holding the SDK (default: kitbash's own default)")
	flag.IntVar(&f.runs, "runs", 10, "repetitions of each warm measurement")
	flag.StringVar(&f.only, "only", "", "run only these benchmarks, comma-separated (e.g. boot-to-ready,update-apply; case and dashes do not matter); default all")
	flag.IntVar(&f.guestCPUs, "guest-cpus", 1, "virtual CPUs of the update row's guest")
	flag.StringVar(&f.guestCPU, "guest-cpu", "", "QEMU -cpu model of the update row's guest (default QEMU's)")
	flag.Parse()
	logrus.SetLevel(logrus.ErrorLevel) // containerd's content store warns through it per open
	if err := run(context.Background(), f); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f flags) error {
	for _, p := range []*string{&f.kitbash, &f.buildkitd, &f.buildctl, &f.project} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	state, err := os.MkdirTemp("/tmp", "kb-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(state)
	b := &bench{f: f, state: state, extra: map[string]int64{}}
	defer b.stopAll()

	benches, err := b.selected()
	if err != nil {
		return err
	}
	var rows []row
	for _, m := range benches {
		r, err := m.run(ctx)
		if err != nil {
			return err
		}
		if r.Baseline > 0 {
			r.Ratio = r.Kitbash / r.Baseline
		}
		rows = append(rows, r)
	}
	rep := report{Machine: machine(), Rows: rows, Notes: b.notes, Extra: b.extra}
	printTable(rep)
	if err := os.MkdirAll(filepath.Dir(f.out), 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(f.out, append(js, '\n'), 0o644)
}

// namedBench is one benchmark and its name for -only.
type namedBench struct {
	name string
	run  func(context.Context) (row, error)
}

// selected is every benchmark in table order, or those -only names.
func (b *bench) selected() ([]namedBench, error) {
	all := []namedBench{
		{"cold-start", b.coldStart}, {"engine-status", b.engineStatus}, {"cached-solve", b.cachedSolve},
		{"cached-run-cli", b.cachedRunCLI}, {"noop-packages", b.noopPackages}, {"republish", b.republish},
		{"assembly", b.assembly}, {"verity-tree", b.verityTree}, {"boot-to-ready", b.bootToReady},
		{"update-apply", b.updateApply},
	}
	if b.f.only == "" {
		return all, nil
	}
	key := func(s string) string { return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", "")) }
	want := map[string]bool{}
	for _, name := range strings.Split(b.f.only, ",") {
		if k := key(name); k != "" {
			want[k] = true
		}
	}
	var out []namedBench
	var names []string
	for _, nb := range all {
		names = append(names, nb.name)
		if want[key(nb.name)] {
			out = append(out, nb)
			delete(want, key(nb.name))
		}
	}
	if len(want) > 0 {
		var unknown []string
		for k := range want {
			unknown = append(unknown, k)
		}
		return nil, fmt.Errorf("-only: no benchmark %s (there are: %s)", strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-only %q names no benchmark (there are: %s)", b.f.only, strings.Join(names, ", "))
	}
	return out, nil
}

func machine() map[string]string {
	m := map[string]string{"cores": fmt.Sprint(runtime.NumCPU()), "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(b))
	}
	return m
}

func printTable(rep report) {
	fmt.Printf("machine: %s, %s cores, %s, kernel %s\n\n", rep.Machine["cpu"], rep.Machine["cores"], rep.Machine["go"], rep.Machine["kernel"])
	fmt.Printf("%-32s %12s   %-34s %12s %7s   %s\n", "benchmark (median)", "kitbash", "baseline", "", "ratio", "goal")
	for _, r := range rep.Rows {
		goal := "-"
		if r.GoalMs > 0 {
			verdict := "met"
			if r.Kitbash > r.GoalMs {
				verdict = "missed"
			}
			goal = fmt.Sprintf("< %.0f ms (%s)", r.GoalMs, verdict)
		}
		fmt.Printf("%-32s %9.1f ms   %-34s %9.1f ms %6.2fx   %s\n", r.Name, r.Kitbash, r.BaselineName, r.Baseline, r.Ratio, goal)
	}
	for _, n := range rep.Notes {
		fmt.Println(n)
	}
}

func median(d []time.Duration) float64 {
	s := append([]time.Duration(nil), d...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return float64(s[len(s)/2].Microseconds()) / 1000
}
