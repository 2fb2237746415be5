//go:build integration

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// specNames lists this repository's package specs.
func specNames(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("..", "..", "specs"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join("..", "..", "specs", e.Name(), "package.yaml")); err == nil {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// TestPackagesReproducibleAndShared builds every spec of this repository from empty
// caches on two machines (different directories, host names and engines, one of them
// reached as a remote BUILDKIT_HOST) and compares every package digest; then shows that
// a third machine with an empty package store and the first one's --cache-from builds
// nothing, and a fourth with only BuildKit's share of that cache runs no build step.
func TestPackagesReproducibleAndShared(t *testing.T) {
	names := specNames(t)
	if len(names) < 3 {
		t.Fatalf("only %d specs: %v", len(names), names)
	}
	a, first, shared := fullBuild(t)

	// Machine b: another directory and host name, its engine started separately (in its
	// UTS namespace) and reached through --buildkit-host, as a remote BuildKit is.
	b := newMachine(t, "other-host-b", "elsewhere/checkout")
	b.ok(t, "engine", "start")
	b.buildkitHost = "unix://" + filepath.Join(b.state, "buildkitd", "buildkitd.sock")
	t.Cleanup(func() { _ = exec.Command(h.bin, "--state-dir", b.state, "engine", "stop").Run() })
	second := b.buildPackages(t)
	for _, n := range names {
		if second[n].Status != "built" {
			t.Errorf("machine b, package %s: %s", n, second[n].Status)
		}
		if first[n].Files != second[n].Files || first[n].Inputs != second[n].Inputs {
			t.Errorf("package %s differs between machines:\n a: %s (inputs %s)\n b: %s (inputs %s)", n, first[n].Files, first[n].Inputs, second[n].Files, second[n].Inputs)
		}
	}

	// A no-op build answers from the store without any engine: point it at one that
	// does not exist.
	a.buildkitHost = "unix:///nonexistent/buildkitd.sock"
	for n, r := range a.buildPackages(t) {
		if r.Status != "up to date" {
			t.Errorf("no-op build, package %s: %s", n, r.Status)
		}
	}
	a.buildkitHost = ""

	// Machine c: empty package store, empty engine, the shared cache: nothing builds,
	// and it needs no engine either.
	c := newMachine(t, "builder-c", "project")
	c.buildkitHost = "unix:///nonexistent/buildkitd.sock"
	third := c.buildPackages(t, "--cache-from", shared)
	for _, n := range names {
		r := third[n]
		if r.Status != "imported" || r.Files != first[n].Files {
			t.Errorf("machine c, package %s: %+v", n, r)
		}
	}

	// Machine d: only BuildKit's part of the cache: packages are solved again, but every
	// build and test step comes from the imported cache.
	onlyBK := filepath.Join(t.TempDir(), "bk-only")
	copyTree(t, shared, onlyBK)
	if err := os.RemoveAll(filepath.Join(onlyBK, "packages")); err != nil {
		t.Fatal(err)
	}
	d := newMachine(t, "builder-d", "project")
	fourth := d.buildPackages(t, "--cache-from", onlyBK)
	for _, n := range names {
		r := fourth[n]
		if r.Status != "built" || r.Files != first[n].Files {
			t.Errorf("machine d, package %s: %+v", n, r)
		}
		if len(r.StepsRan) != 0 {
			t.Errorf("machine d, package %s: steps ran despite the cache: %v", n, r.StepsRan)
		}
	}
}

// TestPackagesShareThroughRegistry exports packages to a real registry on 127.0.0.1 and
// imports them on a machine with an empty store.
func TestPackagesShareThroughRegistry(t *testing.T) {
	addr := startRegistry(t)
	repo := addr + "/kitbash/cache"
	a := newMachine(t, "reg-a", "project")
	built := a.buildPackages(t, "filesystem", "--cache-to", repo)
	b := newMachine(t, "reg-b", "project")
	b.buildkitHost = "unix:///nonexistent/buildkitd.sock"
	got := b.buildPackages(t, "filesystem", "--cache-from", repo)
	if got["filesystem"].Status != "imported" || got["filesystem"].Files != built["filesystem"].Files {
		t.Fatalf("imported %+v, built %+v", got["filesystem"], built["filesystem"])
	}
}

// The first full build of every spec from empty caches, shared by the tests that need
// built packages: the machine, its results and the --cache-to directory it filled.
var full struct {
	once    sync.Once
	machine *machine
	results map[string]pkgResult
	cache   string
}

func fullBuild(t *testing.T) (*machine, map[string]pkgResult, string) {
	t.Helper()
	full.once.Do(func() {
		dir, err := os.MkdirTemp("/tmp", "kb-full-")
		if err != nil {
			t.Fatal(err)
		}
		keptDirs = append(keptDirs, dir)
		full.cache = filepath.Join(dir, "ci-cache")
		m := newMachineKeep(t, "builder-a", "project")
		res := m.buildPackages(t, "--cache-to", full.cache)
		for n, r := range res {
			if r.Status != "built" || !strings.HasPrefix(r.Files, "sha256:") {
				t.Fatalf("full build, package %s: %+v", n, r)
			}
		}
		full.machine, full.results = m, res
	})
	if full.machine == nil {
		t.Fatal("the full build failed earlier in this run")
	}
	return full.machine, full.results, full.cache
}
