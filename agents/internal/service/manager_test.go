package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rig is a temp dir with a shared event log that the services' scripts append to.
type rig struct {
	t   *testing.T
	dir string
	log string
}

func newRig(t *testing.T) *rig {
	dir := t.TempDir()
	return &rig{t: t, dir: dir, log: filepath.Join(dir, "events")}
}

// script writes a /bin/sh script; in it $LOG is the event log and $DIR the temp dir.
func (r *rig) script(name, body string) []string {
	path := filepath.Join(r.dir, name+".sh")
	text := fmt.Sprintf("LOG=%s\nDIR=%s\n%s\n", r.log, r.dir, body)
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		r.t.Fatal(err)
	}
	return []string{"/bin/sh", path}
}

// daemon is a script that logs its start, then runs until SIGTERM, logging the stop.
func (r *rig) daemon(name, before string) []string {
	return r.script(name, fmt.Sprintf(`trap 'echo stop %[1]s >> $LOG; exit 0' TERM
%[2]s
echo start %[1]s >> $LOG
while :; do sleep 0.05; done`, name, before))
}

func (r *rig) events() []string {
	b, _ := os.ReadFile(r.log)
	return strings.Fields(strings.ReplaceAll(string(b), " ", "_"))
}

// run starts a manager for svcs; the returned stop cancels Run and waits for it.
func (r *rig) run(svcs []*Service, opts Options) (*Manager, func()) {
	r.t.Helper()
	if opts.Log == nil {
		opts.Log = testLog{r.t}
	}
	m, err := NewManager(svcs, opts)
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					r.t.Error(err)
				}
			case <-time.After(30 * time.Second):
				r.t.Fatal("Run did not return after cancel")
			}
		})
	}
	r.t.Cleanup(stop)
	return m, stop
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func status(t *testing.T, m *Manager, name string) Status {
	t.Helper()
	sts, err := m.Status()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %s in %+v", name, sts)
	return Status{}
}

func TestOrderingReadinessAndShutdown(t *testing.T) {
	r := newRig(t)
	ready := make(chan int, 1)
	readyFile := filepath.Join(r.dir, "b.ready")
	sock := filepath.Join(r.dir, "c.sock")
	// b becomes ready late (file); c must not start before; d waits for c's socket.
	svcs := []*Service{
		{Name: "d", Command: r.daemon("d", ""), After: []string{"c"}, Required: true},
		{Name: "c", Command: r.script("c", fmt.Sprintf(`test -e %s && echo c-saw-b-ready >> $LOG
echo start c >> $LOG
exec python3 -c 'import socket,signal,sys,time
signal.signal(signal.SIGTERM, lambda *a: (open("%s","a").write("stop c\n"), sys.exit(0)))
time.sleep(0.2)
s=socket.socket(socket.AF_UNIX); s.bind("%s"); s.listen(1)
while True: s.accept()[0].close()'`, readyFile, r.log, sock)),
			Requires: []string{"b"}, Ready: Ready{Kind: ReadySocket, Path: sock}, Required: true},
		{Name: "b", Command: r.daemon("b", "sleep 0.3; touch "+readyFile), After: []string{"a"},
			Ready: Ready{Kind: ReadyFile, Path: readyFile}, Required: true},
		{Name: "a", Command: r.daemon("a", ""), Required: true},
		{Name: "once", Command: r.script("once", "echo ran once >> $LOG"), Oneshot: true, Required: true},
		{Name: "extra", Command: r.daemon("extra", ""), After: []string{"once"}},
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("needs python3 for the socket service")
	}
	m, stop := r.run(svcs, Options{OnReady: func(n int) { ready <- n }})
	select {
	case n := <-ready:
		if n != 5 {
			t.Fatalf("OnReady(%d), want 5 required services", n)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("never ready; events %v", r.events())
	}
	if st := status(t, m, "once"); st.State != StateExited || st.LastExit != "exit status 0" {
		t.Fatalf("oneshot status %+v", st)
	}
	waitFor(t, "start d", func() bool { return strings.Contains(strings.Join(r.events(), " "), "start_d") })
	stop()
	ev := strings.Join(r.events(), " ")
	// a before b before c (which saw b's ready file) before d; stops in reverse.
	for _, seq := range [][]string{
		{"start_a", "start_b", "c-saw-b-ready", "start_c", "start_d", "stop_d", "stop_c", "stop_b", "stop_a"},
		{"ran_once", "start_extra", "stop_extra"},
		{"stop_extra", "stop_d"}, // extra is after "once", which sorts after d in the order: stopped first
	} {
		if !inOrder(ev, seq) {
			t.Errorf("events %q: want %v in this order", ev, seq)
		}
	}
	sts, err := m.Status()
	if err != ErrNotRunning || sts != nil {
		t.Fatalf("Status after Run = %v, %v; want ErrNotRunning", sts, err)
	}
}

func inOrder(s string, seq []string) bool {
	i := 0
	for _, w := range seq {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		i += j + len(w)
	}
	return true
}

func TestRestartPolicies(t *testing.T) {
	r := newRig(t)
	count := `n=$(cat $DIR/%[1]s.count 2>/dev/null || echo 0); n=$((n+1)); echo $n > $DIR/%[1]s.count; echo start %[1]s $n >> $LOG`
	svcs := []*Service{
		// exits 1 on its first run, then stays up: restarted (on-failure is the default)
		{Name: "flaky", Command: r.script("flaky", fmt.Sprintf(count, "flaky")+"\n[ $n -eq 1 ] && exit 1\nexec sleep 100"), RestartDelayMs: 50, Required: true},
		// exits 0 each time: restarted only because of "always"
		{Name: "loop", Command: r.script("loop", fmt.Sprintf(count, "loop")+"\n[ $n -ge 3 ] && exec sleep 100\nexit 0"), Restart: RestartAlways, RestartDelayMs: 10},
		// fails for good: a service requiring it fails too, one only after it starts
		{Name: "broken", Command: r.script("broken", "sleep 0.1; exit 3"), Restart: RestartNever,
			Ready: Ready{Kind: ReadyFile, Path: filepath.Join(r.dir, "never")}},
		{Name: "needs", Command: r.daemon("needs", ""), Requires: []string{"broken"}},
		{Name: "orders", Command: r.daemon("orders", ""), After: []string{"broken"}},
		// a oneshot that fails once, then succeeds
		{Name: "setup", Command: r.script("setup", fmt.Sprintf(count, "setup")+"\n[ $n -eq 1 ] && exit 2\nexit 0"), Oneshot: true, RestartDelayMs: 10},
		// a command that cannot start
		{Name: "missing", Command: []string{filepath.Join(r.dir, "no-such-program")}, Restart: RestartNever},
	}
	m, stop := r.run(svcs, Options{})
	waitFor(t, "flaky ready after one restart", func() bool {
		st := status(t, m, "flaky")
		return st.State == StateReady && st.Restarts == 1 && st.LastExit == "exit status 1"
	})
	waitFor(t, "loop restarted twice", func() bool {
		st := status(t, m, "loop")
		return st.State == StateReady && st.Starts == 3
	})
	waitFor(t, "setup finished on its second run", func() bool {
		st := status(t, m, "setup")
		return st.State == StateExited && st.Starts == 2
	})
	for name, want := range map[string]Status{
		"broken":  {State: StateFailed, LastExit: "exit status 3", Starts: 1},
		"needs":   {State: StateFailed, Error: "required service broken failed"},
		"orders":  {State: StateReady, Starts: 1},
		"missing": {State: StateFailed, Starts: 1},
	} {
		waitFor(t, name+" settled", func() bool { return status(t, m, name).State == want.State })
		st := status(t, m, name)
		if st.LastExit != want.LastExit || st.Starts != want.Starts || (want.Error != "" && st.Error != want.Error) {
			t.Errorf("%s: %+v, want %+v", name, st, want)
		}
	}
	if st := status(t, m, "missing"); !strings.Contains(st.Error, "no-such-program") {
		t.Errorf("missing: error %q should name the program", st.Error)
	}
	stop()
}

func TestRestartRequestAndStopTimeout(t *testing.T) {
	r := newRig(t)
	svcs := []*Service{
		{Name: "web", Command: r.daemon("web", "")},
		// ignores SIGTERM: SIGKILLed after StopTimeout
		{Name: "stubborn", Command: r.script("stubborn", "trap '' TERM\necho start stubborn >> $LOG\nwhile :; do sleep 0.05; done"), After: []string{"web"}},
	}
	m, stop := r.run(svcs, Options{StopTimeout: 300 * time.Millisecond})
	waitFor(t, "both started", func() bool { return len(r.events()) == 2 })
	pid := status(t, m, "web").PID
	if err := m.Restart("web"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "web restarted", func() bool {
		st := status(t, m, "web")
		return st.State == StateReady && st.Starts == 2 && st.PID != pid && len(r.events()) == 4
	})
	if err := m.Restart("nope"); err == nil || !strings.Contains(err.Error(), `no such service: "nope"`) {
		t.Fatalf("Restart(nope) = %v", err)
	}
	if got := strings.Join(r.events(), " "); !inOrder(got, []string{"start_web", "stop_web", "start_web"}) || !strings.Contains(got, "start_stubborn") {
		t.Fatalf("events %q", got)
	}
	start := time.Now()
	stop()
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("stop took %v; stubborn should have needed the SIGKILL timeout", d)
	}
	if got := strings.Join(r.events(), " "); !strings.HasSuffix(got, "start_web stop_web") {
		t.Fatalf("events %q: web should stop last", got)
	}
}

func TestOrphansAreReaped(t *testing.T) {
	// Become a subreaper so the service's orphan is reparented to this process.
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, 36 /* PR_SET_CHILD_SUBREAPER */, 1, 0); e != 0 {
		t.Skipf("PR_SET_CHILD_SUBREAPER: %v", e)
	}
	defer syscall.RawSyscall(syscall.SYS_PRCTL, 36, 0, 0)
	r := newRig(t)
	pidFile := filepath.Join(r.dir, "orphan.pid")
	svcs := []*Service{{Name: "forker", Command: r.script("forker",
		fmt.Sprintf("sleep 0.2 &\necho $! > %s.tmp; mv %[1]s.tmp %[1]s\nexit 0", pidFile)), Oneshot: true}}
	m, _ := r.run(svcs, Options{})
	waitFor(t, "forker finished", func() bool { return status(t, m, "forker").State == StateExited })
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	waitFor(t, fmt.Sprintf("orphan %d reaped", pid), func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
		return os.IsNotExist(err)
	})
}
