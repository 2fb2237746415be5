//go:build integration

package integration

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/engine"
)

type status struct {
	Mode       string `json:"mode"`
	Running    bool   `json:"running"`
	Version    string `json:"version"`
	Pinned     string `json:"pinned"`
	PID        int    `json:"pid"`
	CacheBytes *int64 `json:"cacheBytes"`
}

type started struct {
	Action  string `json:"action"`
	Version string `json:"version"`
}

// buildkitdPIDs lists live buildkitd processes whose command line names this run's state dir.
func buildkitdPIDs(t *testing.T) []string {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if strings.HasSuffix(args[0], "buildkitd") && strings.Contains(string(b), h.state) {
			pids = append(pids, filepath.Base(filepath.Dir(p)))
		}
	}
	return pids
}

func TestEngineStartsOnceForConcurrentCommandsAndIsReused(t *testing.T) {
	ok(t, "engine", "stop")
	var st status
	okJSON(t, &st, "engine", "status")
	if st.Running || st.Mode != "managed" {
		t.Fatalf("after stop, status = %+v; want a stopped managed engine", st)
	}

	const n = 3
	results := make([]started, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			okJSON(t, &results[i], "engine", "start")
		}(i)
	}
	wg.Wait()
	starts := 0
	for _, r := range results {
		switch r.Action {
		case "start":
			starts++
		case "reuse":
		default:
			t.Errorf("unexpected action %q", r.Action)
		}
	}
	if starts != 1 {
		t.Fatalf("%d concurrent starts began %d daemons (actions %+v); want exactly 1", n, starts, results)
	}
	if pids := buildkitdPIDs(t); len(pids) != 1 {
		t.Fatalf("want one buildkitd for this state dir, found pids %v", pids)
	}

	okJSON(t, &st, "engine", "status")
	if !st.Running || st.Version == "" || st.Version != st.Pinned || st.PID == 0 || st.CacheBytes == nil {
		t.Fatalf("status of a running engine = %+v; want running at the pinned version with pid and cache size", st)
	}
	text := ok(t, "engine", "status").stdout
	for _, want := range []string{"running (managed)", st.Version, "cache:"} {
		if !strings.Contains(text, want) {
			t.Errorf("engine status text lacks %q:\n%s", want, text)
		}
	}
	var again started
	okJSON(t, &again, "engine", "start")
	if again.Action != "reuse" {
		t.Fatalf("a second command must reuse the running engine, got %q", again.Action)
	}
}

func TestEngineCleansStaleSocket(t *testing.T) {
	ok(t, "engine", "stop")
	sock := filepath.Join(h.state, "buildkitd", "buildkitd.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	var r started
	okJSON(t, &r, "engine", "start")
	if r.Action != "start" {
		t.Fatalf("want a fresh start over the stale socket, got %q", r.Action)
	}
}

func TestEngineRestartsOnVersionMismatch(t *testing.T) {
	var before started
	okJSON(t, &before, "engine", "start")
	pidsBefore := buildkitdPIDs(t)
	if len(pidsBefore) != 1 {
		t.Fatalf("want one engine before, got %v", pidsBefore)
	}
	// Ask for another version than the daemon reports: Ensure must restart it, and then
	// refuse because the binary still is the pinned one.
	buildkitd := filepath.Join("..", "..", ".tools", "bin", "buildkitd")
	_, err := engine.Ensure(context.Background(),
		engine.WithStateDir(h.state), engine.WithBuildkitd(buildkitd), engine.WithVersion("v0.0.0-other"))
	if err == nil || !strings.Contains(err.Error(), `want "v0.0.0-other"`) {
		t.Fatalf("want a version refusal after restart, got %v", err)
	}
	pidsAfter := buildkitdPIDs(t)
	if len(pidsAfter) != 1 || pidsAfter[0] == pidsBefore[0] {
		t.Fatalf("engine was not restarted: pids before %v, after %v", pidsBefore, pidsAfter)
	}
	var after started
	okJSON(t, &after, "engine", "start")
	if after.Action != "reuse" {
		t.Fatalf("the restarted engine has the pinned version and must be reused, got %q", after.Action)
	}
}

func TestEnginePruneReports(t *testing.T) {
	var r struct {
		Records    *int   `json:"records"`
		CacheAfter *int64 `json:"cacheBytesAfter"`
	}
	okJSON(t, &r, "engine", "prune")
	if r.Records == nil || r.CacheAfter == nil {
		t.Fatalf("prune output lacks fields: %+v", r)
	}
}
