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
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// row is one figure next to its baseline from the same run, both in Unit.
type row struct {
	Name         string  `json:"name"`
	Unit         string  `json:"unit"` // unitMs (a median) or unitBytes
	Kitbash      float64 `json:"kitbash"`
	BaselineName string  `json:"baseline"`
	Baseline     float64 `json:"baselineValue"`
	Ratio        float64 `json:"ratio"` // Kitbash / Baseline
	// Goal is the most Kitbash may be, in Unit; nil when the row has none.
	Goal *float64 `json:"goal,omitempty"`
	Runs int      `json:"runs"`
	// Note says what exactly was measured when the name cannot.
	Note string `json:"note,omitempty"`
}

// Units of a row.
const (
	unitMs    = "ms"
	unitBytes = "bytes"
)

func goal(v float64) *float64 { return &v }

type report struct {
	Machine map[string]string `json:"machine"`
	Rows    []row             `json:"results"`
	Notes   []string          `json:"notes,omitempty"`
	Extra   map[string]int64  `json:"figures,omitempty"`
}

type flags struct {
	kitbash, buildkitd, buildctl, out, project, cacheDir, only string
	runs                                                       int
	// guestCPUs and guestCPU shape the guests of the boot and update rows (-smp, -cpu).
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
	flag.IntVar(&f.guestCPUs, "guest-cpus", 1, "virtual CPUs of the boot and update rows' guests")
	flag.StringVar(&f.guestCPU, "guest-cpu", "", "QEMU -cpu model of the boot and update rows' guests (default QEMU's)")
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
		rs, err := m.run(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		for _, r := range rs {
			if r.Unit == "" {
				r.Unit = unitMs
			}
			if r.Baseline > 0 {
				r.Ratio = r.Kitbash / r.Baseline
			}
			rows = append(rows, r)
		}
	}
	rep := report{Machine: b.machine(), Rows: rows, Notes: b.notes, Extra: b.extra}
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

// namedBench is one benchmark and its name for -only; it gives one row or more.
type namedBench struct {
	name string
	run  func(context.Context) ([]row, error)
}

// one adapts a benchmark of one row.
func one(f func(context.Context) (row, error)) func(context.Context) ([]row, error) {
	return func(ctx context.Context) ([]row, error) {
		r, err := f(ctx)
		if err != nil {
			return nil, err
		}
		return []row{r}, nil
	}
}

// selected is every benchmark in table order, or those -only names.
func (b *bench) selected() ([]namedBench, error) {
	all := []namedBench{
		{"cold-start", one(b.coldStart)}, {"engine-status", one(b.engineStatus)}, {"cached-solve", one(b.cachedSolve)},
		{"cached-run-cli", one(b.cachedRunCLI)}, {"noop-packages", one(b.noopPackages)}, {"noop-variant", one(b.noopVariant)},
		{"cold-package", one(b.coldPackage)}, {"republish", b.republish},
		{"assembly", one(b.assembly)}, {"verity-tree", one(b.verityTree)}, {"boot-to-ready", one(b.bootToReady)},
		{"update-apply", one(b.updateApply)},
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

// machine describes where the figures were taken: CPU, memory, OS and the versions of
// the tools the rows run.
func (b *bench) machine() map[string]string {
	m := map[string]string{"cores": fmt.Sprint(runtime.NumCPU()), "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH,
		"date": time.Now().UTC().Format("2006-01-02")}
	if s, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m["cpu"] = field(string(s), "model name", ":")
	}
	if s, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(strings.TrimSuffix(field(string(s), "MemTotal", ":"), " kB"), "%f", &kb)
		m["memory"] = fmt.Sprintf("%.1f GiB", kb/(1<<20))
	}
	if s, err := os.ReadFile("/etc/os-release"); err == nil {
		m["distro"] = strings.Trim(field(string(s), "PRETTY_NAME", "="), `"`)
	}
	if s, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(s))
	}
	for k, argv := range map[string][]string{"buildkitd": {b.f.buildkitd, "--version"}, "runc": {"runc", "--version"},
		"qemu": {"qemu-system-x86_64", "--version"}} {
		if out, err := exec.Command(argv[0], argv[1:]...).Output(); err == nil {
			m[k], _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
		}
	}
	return m
}

// field is the value of the first line of text "key<sep>value", trimmed.
func field(text, key, sep string) string {
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, sep); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func printTable(rep report) {
	m := rep.Machine
	fmt.Printf("machine (%s): %s, %s cores, %s RAM, %s, kernel %s, %s\n%s; runc: %s; %s\n\n", m["date"], m["cpu"], m["cores"], m["memory"],
		m["distro"], m["kernel"], m["go"], m["buildkitd"], m["runc"], m["qemu"])
	fmt.Printf("%-48s %10s   %-44s %10s %8s   %s\n", "benchmark (median)", "kitbash", "baseline (same run)", "", "ratio", "goal")
	for _, r := range rep.Rows {
		g := "-"
		if r.Goal != nil {
			verdict := "met"
			if r.Kitbash > *r.Goal {
				verdict = "missed"
			}
			g = fmt.Sprintf("<= %s (%s)", format(*r.Goal, r.Unit), verdict)
		}
		ratio := "-"
		if r.Baseline > 0 {
			ratio = fmt.Sprintf("%.2fx", r.Ratio)
		}
		fmt.Printf("%-48s %10s   %-44s %10s %8s   %s\n", r.Name, format(r.Kitbash, r.Unit), r.BaselineName, format(r.Baseline, r.Unit), ratio, g)
	}
	fmt.Println()
	for _, r := range rep.Rows {
		if r.Note != "" {
			fmt.Printf("%s: %s\n", r.Name, r.Note)
		}
	}
	for _, n := range rep.Notes {
		fmt.Println(n)
	}
}

// format is v in unit for people: ms below 1 s, s above; bytes in B, KiB or MiB.
func format(v float64, unit string) string {
	switch {
	case unit == unitBytes && v >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case unit == unitBytes && v >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	case unit == unitBytes:
		return fmt.Sprintf("%.0f B", v)
	case v >= 10000:
		return fmt.Sprintf("%.1f s", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.2f s", v/1000)
	}
	return fmt.Sprintf("%.1f ms", v)
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
