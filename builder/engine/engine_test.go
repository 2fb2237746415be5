package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSocketPathTooLong(t *testing.T) {
	_, err := pathsFor("/" + strings.Repeat("x", 120))
	if err == nil || !strings.Contains(err.Error(), "--state-dir") {
		t.Fatalf("want an error naming --state-dir, got %v", err)
	}
}

func TestOptionsNeedHostOrStateDir(t *testing.T) {
	if _, err := Ensure(context.Background()); err == nil {
		t.Fatal("Ensure without host or state dir must fail")
	}
}

func TestMissingBuildkitdSaysHowToGetIt(t *testing.T) {
	_, err := Ensure(context.Background(), WithStateDir(t.TempDir()), WithBuildkitd("no-such-buildkitd-binary"))
	if err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Fatalf("want an error pointing at `make tools`, got %v", err)
	}
}

// A buildkitd that dies at once: the error must carry the tail of its log and a fix.
func TestFailedStartShowsLogTail(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "buildkitd")
	script := "#!/bin/sh\necho 'first line'\necho 'buildkitd: runc: executable file not found in $PATH' >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Ensure(context.Background(), WithStateDir(filepath.Join(dir, "state")), WithBuildkitd(fake), WithStartTimeout(10*time.Second))
	if err == nil {
		t.Fatal("want a start failure")
	}
	for _, want := range []string{"exited during start", "runc: executable file not found", "buildkitd.log", "fix:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// A buildkitd that runs but never answers is stopped after the start timeout.
func TestHungStartTimesOutAndStops(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "buildkitd")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	_, err := Ensure(context.Background(), WithStateDir(state), WithBuildkitd(fake), WithStartTimeout(300*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("want a timeout error, got %v", err)
	}
	p, _ := pathsFor(state)
	if pid := readPID(p.pid); pid != 0 {
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); len(b) > 0 && !strings.Contains(string(b), ") Z") {
			t.Fatalf("the hung process %d is still running", pid)
		}
	}
}

func TestLockIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	first, err := acquireLock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		l, err := acquireLock(context.Background(), path)
		if err != nil {
			t.Error(err)
			return
		}
		got.Store(true)
		l.release()
	}()
	time.Sleep(100 * time.Millisecond)
	if got.Load() {
		t.Fatal("second lock was acquired while the first was held")
	}
	first.release()
	<-done
	if !got.Load() {
		t.Fatal("second lock never acquired after release")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	held, _ := acquireLock(context.Background(), path)
	defer held.release()
	if _, err := acquireLock(ctx, path); err == nil || !strings.Contains(err.Error(), "another kitbash") {
		t.Fatalf("want a wait error naming the other kitbash, got %v", err)
	}
}

func TestIsBuildkitdRejectsOtherProcesses(t *testing.T) {
	if isBuildkitd(os.Getpid()) {
		t.Fatal("the test process is not buildkitd")
	}
	if isBuildkitd(0) || isBuildkitd(-1) {
		t.Fatal("invalid pids are not buildkitd")
	}
}

func TestStopWithoutDaemonIsNoop(t *testing.T) {
	was, err := Stop(context.Background(), WithStateDir(t.TempDir()))
	if err != nil || was {
		t.Fatalf("Stop on an empty state dir = %v, %v; want false, nil", was, err)
	}
	if _, err := Stop(context.Background(), WithHost("tcp://127.0.0.1:1")); err == nil {
		t.Fatal("Stop must refuse a user-given host")
	}
}

func TestUnreachableHostIsOneClearError(t *testing.T) {
	_, err := Ensure(context.Background(), WithHost("tcp://127.0.0.1:1"), WithProbeTimeout(2*time.Second))
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "connect to BuildKit at tcp://127.0.0.1:1") || !strings.Contains(msg, "fix:") || strings.Contains(msg, "\n") {
		t.Fatalf("want one line naming the host and a fix, got %q", msg)
	}
}
