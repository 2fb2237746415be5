//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// machine is a separate build machine: its own project directory (a copy of this
// repository's specs and agents), its own engine state, caches and host name. Only the
// SDK image is shared (hard-linked), as a machine would pull it by its locked digest.
type machine struct {
	name, project, state, cache string
	base                        string   // everything of the machine is under it
	buildkitHost                string   // when set, builds use this engine instead of starting one
	env                         []string // extra environment
}

// keyPassword protects the signing keys the tests make.
const keyPassword = "kitbash-test"

// newMachine lays out a machine under a fresh directory whose name includes dirName;
// it is removed (and its engine stopped) when the test ends.
func newMachine(t *testing.T, hostname, dirName string) *machine {
	t.Helper()
	m := newMachineKeep(t, hostname, dirName)
	t.Cleanup(func() { m.stopEngine(t); os.RemoveAll(m.base) })
	return m
}

// machines kept for the whole run (see newMachineKeep); TestMain removes them.
var kept []*machine

// newMachineKeep is newMachine for a machine that outlives its test (the shared full
// build): it is removed at the end of the run.
func newMachineKeep(t *testing.T, hostname, dirName string) *machine {
	t.Helper()
	needSDK(t)
	base, err := os.MkdirTemp("/tmp", "kb-m-")
	if err != nil {
		t.Fatal(err)
	}
	m := &machine{base: base, name: hostname, project: filepath.Join(base, dirName), state: filepath.Join(base, "s"), cache: filepath.Join(base, "cache")}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(m.project, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Kitbash.yaml", "specs", "agents", "kits", "variants"} {
		copyTree(t, filepath.Join(repo, p), filepath.Join(m.project, p))
	}
	copyTree(t, filepath.Join(h.project, "Kitbash.lock"), filepath.Join(m.project, "Kitbash.lock"))
	if err := os.MkdirAll(m.cache, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-al", filepath.Join(h.cache, "oci"), filepath.Join(m.cache, "oci")).CombinedOutput(); err != nil {
		t.Fatalf("link the SDK store: %v: %s", err, out)
	}
	kept = append(kept, m)
	return m
}

// removeMachines stops the engines of every machine and removes their directories.
func removeMachines() {
	for _, m := range kept {
		if m.buildkitHost == "" {
			_ = exec.Command(h.bin, "--state-dir", m.state, "engine", "stop").Run()
		}
		os.RemoveAll(m.base)
	}
	for _, d := range keptDirs {
		os.RemoveAll(d)
	}
}

// keptDirs are other directories that live for the whole run.
var keptDirs []string

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp %s: %v: %s", from, err, out)
	}
}

// kb runs kitbash on the machine under its own host name (a new UTS namespace), so an
// engine it starts runs under that name too.
func (m *machine) kb(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	full := []string{"--state-dir", m.state, "--cache-dir", m.cache, "--progress", "plain"}
	if m.buildkitHost != "" {
		full = append(full, "--buildkit-host", m.buildkitHost)
	}
	full = append(full, args...)
	script := `hostname "$1" && shift && exec "$@"`
	cmd := exec.CommandContext(ctx, "unshare", append([]string{"--uts", "sh", "-c", script, "sh", m.name, h.bin}, full...)...)
	cmd.Dir = m.project
	// The copies are not git checkouts: SOURCE_DATE_EPOCH stands in for the commit time.
	bk, err := filepath.Abs(filepath.Join("..", "..", ".tools", "bin", "buildkitd"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+epoch, "KITBASH_BUILDKITD="+bk, "COSIGN_PASSWORD="+keyPassword)
	cmd.Env = append(cmd.Env, m.env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	r := result{stdout: o.String(), stderr: e.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("kitbash %s: %v", strings.Join(args, " "), err)
	}
	return r
}

func (m *machine) ok(t *testing.T, args ...string) result {
	t.Helper()
	r := m.kb(t, args...)
	if r.code != 0 {
		t.Fatalf("[%s] kitbash %s: exit %d\nstdout:\n%s\nstderr:\n%s", m.name, strings.Join(args, " "), r.code, r.stdout, lastLines(r.stderr, 60))
	}
	return r
}

// pkgResult is one row of `kitbash -o json build packages`.
type pkgResult struct {
	Name     string   `json:"name"`
	Status   string   `json:"status"`
	Inputs   string   `json:"inputsDigest"`
	Files    string   `json:"filesDigest"`
	StepsRan []string `json:"stepsRan"`
}

func (m *machine) buildPackages(t *testing.T, args ...string) map[string]pkgResult {
	t.Helper()
	r := m.ok(t, append([]string{"-o", "json", "build", "packages"}, args...)...)
	var rows []pkgResult
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("build packages output is not JSON: %v\n%s", err, r.stdout)
	}
	out := map[string]pkgResult{}
	for _, row := range rows {
		out[row.Name] = row
	}
	return out
}

func (m *machine) stopEngine(t *testing.T) {
	_ = exec.Command(h.bin, "--state-dir", m.state, "engine", "stop").Run()
}
