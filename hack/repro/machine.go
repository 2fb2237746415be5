package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machine is one simulated build machine: its own copy of the project, in a directory
// of its own, its own empty kitbash caches and engine, home, host name (a UTS
// namespace), umask and time zone.
type machine struct {
	label    string // "A" or "B"
	hostname string
	umask    string // octal, as sh's umask takes it
	tz       string
	base     string // everything of the machine is under it
	project  string
	cache    string // --cache-dir: OCI store, package store, downloads
	state    string // --state-dir: the engine and BuildKit's cache
	home     string
	log      string // kitbash's progress output, for people
	stopped  bool   // its engine is stopped and its state removed
}

// newMachines lays out the two machines under root. Their projects sit at different
// depths under differently named parents, so no absolute path of A exists on B.
func newMachines(root, logs string) []*machine {
	a := filepath.Join(root, "a")
	b := filepath.Join(root, "b")
	return []*machine{
		{label: "A", hostname: "repro-a", umask: "022", tz: "UTC", base: a,
			project: filepath.Join(a, "src", "kitbash"), cache: filepath.Join(a, "cache"),
			state: filepath.Join(a, "s"), home: filepath.Join(a, "home"), log: filepath.Join(logs, "A.log")},
		{label: "B", hostname: "repro-b", umask: "077", tz: "Pacific/Kiritimati", base: b,
			project: filepath.Join(b, "home", "builder", "work", "elsewhere", "os"), cache: filepath.Join(b, "cache"),
			state: filepath.Join(b, "s"), home: filepath.Join(b, "home", "builder"), log: filepath.Join(logs, "B.log")},
	}
}

func (m *machine) String() string {
	return fmt.Sprintf("machine %s: project %s, host name %s, umask %s, TZ=%s, empty caches in %s",
		m.label, m.project, m.hostname, m.umask, m.tz, m.cache)
}

// projectFiles are what a build reads of a project (not build/, the outputs).
func projectFiles() []string {
	return []string{"Kitbash.yaml", "Kitbash.lock", "specs", "agents", "kits", "variants"}
}

// setup makes the machine's directories and copies the project from src. The copy keeps
// the files' permission bits: they are package inputs (path sources), so a checkout
// with other bits is another input, not the same build elsewhere.
func (m *machine) setup(src string) error {
	for _, d := range []string{m.project, m.cache, m.state, m.home, filepath.Dir(m.log)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("machine %s: %w", m.label, err)
		}
	}
	for _, p := range projectFiles() {
		if out, err := exec.Command("cp", "-a", filepath.Join(src, p), filepath.Join(m.project, p)).CombinedOutput(); err != nil {
			return fmt.Errorf("machine %s: copy the project's %s: %v: %s", m.label, p, err, bytes.TrimSpace(out))
		}
	}
	if err := os.WriteFile(m.log, nil, 0o644); err != nil {
		return fmt.Errorf("machine %s: %w", m.label, err)
	}
	return nil
}

// kitbash runs the kitbash CLI on the machine: in a new UTS namespace under the
// machine's host name, with its umask, time zone and home, its own state and cache
// dirs, and the shared SOURCE_DATE_EPOCH (the copies are not git checkouts). An engine
// it starts lives on in that namespace. It returns standard output; progress goes to
// the machine's log.
func (m *machine) kitbash(ctx context.Context, t tools, args ...string) ([]byte, error) {
	full := append([]string{"--state-dir", m.state, "--cache-dir", m.cache, "--buildkitd", t.buildkitd,
		"-C", m.project, "--progress", "plain"}, args...)
	script := `hostname "$1" && umask "$2" && shift 2 && exec "$@"`
	cmd := exec.CommandContext(ctx, "unshare", append([]string{"--uts", "sh", "-c", script, "sh", m.hostname, m.umask, t.kitbash}, full...)...)
	cmd.Dir = m.project
	cmd.Env = append(cleanEnv(os.Environ()), "HOME="+m.home, "TZ="+m.tz, "SOURCE_DATE_EPOCH="+t.epoch)
	logf, err := os.OpenFile(m.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("machine %s: %w", m.label, err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n### %s kitbash %s\n", time.Now().Format(time.RFC3339), strings.Join(args, " "))
	// On cancellation kitbash gets SIGTERM and time to stop its own children (mmdebstrap
	// unmounts its chroot) before it is killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Minute
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, logf
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("machine %s: kitbash %s: %w (its output: %s)\n%s", m.label, strings.Join(args, " "), err, m.log, tailFile(m.log, 30))
	}
	return out.Bytes(), nil
}

// cleanEnv drops what would make the machines share state or clock settings.
func cleanEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "SOURCE_DATE_EPOCH", k == "TZ", k == "HOME", k == "BUILDKIT_HOST",
			strings.HasPrefix(k, "KITBASH_"), strings.HasPrefix(k, "XDG_"):
			continue
		}
		out = append(out, kv)
	}
	return out
}

// stopEngine stops the machine's engine, if it started one, and removes its state (the
// BuildKit cache: the artifacts stay in the cache dir). A daemon that outlives `engine
// stop` is killed by the pid it recorded.
func (m *machine) stopEngine(t tools) error {
	if m.stopped {
		return nil
	}
	m.stopped = true
	var errs []error
	if out, err := exec.Command(t.kitbash, "--state-dir", m.state, "engine", "stop").CombinedOutput(); err != nil {
		errs = append(errs, fmt.Errorf("machine %s: engine stop: %v: %s", m.label, err, bytes.TrimSpace(out)))
	}
	if b, err := os.ReadFile(filepath.Join(m.state, "buildkitd", "buildkitd.pid")); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && ours(pid, m.state) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			errs = append(errs, fmt.Errorf("machine %s: buildkitd %d outlived engine stop; killed", m.label, pid))
		}
	}
	if err := os.RemoveAll(m.state); err != nil {
		errs = append(errs, fmt.Errorf("machine %s: remove the engine state: %w", m.label, err))
	}
	return errors.Join(errs...)
}

// ours tells whether pid is a live process whose command line names the state dir: the
// daemon this machine started, not an unrelated process that reused its pid.
func ours(pid int, state string) bool {
	if pid <= 1 {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && bytes.Contains(cmdline, []byte(state))
}

// tailFile is the last n lines of a file, indented, for error messages.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	return indent(lastLines(string(b), n))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
