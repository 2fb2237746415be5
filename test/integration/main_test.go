//go:build integration

// Package integration drives the kitbash binary against real components: a buildkitd it
// starts itself (runc, OCI worker), an SDK built with mmdebstrap, and sandboxed steps.
// Run it with `make integration` (it builds kitbash and the tools first).
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env is the harness: one kitbash binary, one engine state dir for the whole run (started
// by the tests, stopped at the end), one cache dir, and a throwaway project.
type env struct {
	bin, state, cache, project string
}

var h env // set once in TestMain, read-only afterwards

const epoch = "1700000000"

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration setup:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	h.bin = os.Getenv("KITBASH_BIN")
	if h.bin == "" {
		return 0, fmt.Errorf("KITBASH_BIN is not set; run the integration tests with `make integration`")
	}
	// The unix socket path limit (108 bytes) rules out deep temp dirs.
	state, err := os.MkdirTemp("/tmp", "kb-it-")
	if err != nil {
		return 0, err
	}
	h.state = state
	defer os.RemoveAll(state)
	h.cache = os.Getenv("KITBASH_TEST_CACHE_DIR")
	if h.cache == "" {
		h.cache = filepath.Join(state, "cache")
	}
	proj, err := os.MkdirTemp("", "kb-it-project-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(proj)
	h.project = proj
	repoYAML, err := os.ReadFile(filepath.Join("..", "..", "Kitbash.yaml"))
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(proj, "Kitbash.yaml"), repoYAML, 0o644); err != nil {
		return 0, err
	}
	code := m.Run()
	removeMachines()
	if code != 0 {
		if b, err := os.ReadFile(filepath.Join(state, "buildkitd", "buildkitd.log")); err == nil {
			fmt.Fprintf(os.Stderr, "--- engine log (last 4 KiB) ---\n%s\n", tailBytes(b, 4096))
		}
	}
	out, err := exec.Command(h.bin, "--state-dir", h.state, "engine", "stop").CombinedOutput()
	if err != nil {
		return code, fmt.Errorf("stop engine: %v: %s", err, out)
	}
	return code, nil
}

func tailBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// result is one kitbash invocation.
type result struct {
	stdout, stderr string
	code           int
}

// kb runs kitbash in the test project with the harness's state and cache dirs.
func kb(t *testing.T, extraEnv []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	full := append([]string{"--state-dir", h.state, "--cache-dir", h.cache, "--progress", "plain"}, args...)
	cmd := exec.CommandContext(ctx, h.bin, full...)
	cmd.Dir = h.project
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+epoch)
	cmd.Env = append(cmd.Env, extraEnv...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	r := result{stdout: o.String(), stderr: e.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("kitbash %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ok runs kitbash and fails the test unless it exits 0.
func ok(t *testing.T, args ...string) result {
	t.Helper()
	r := kb(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("kitbash %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, lastLines(r.stderr, 40))
	}
	return r
}

func okJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	r := ok(t, append([]string{"-o", "json"}, args...)...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("kitbash %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, r.stdout)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
