package service

import (
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
)

// ReadyPoll is how often file and socket readiness are checked.
const ReadyPoll = 20 * time.Millisecond

// start starts u's command and, for file and socket readiness, its watcher. A start
// failure counts as a failed run.
func (m *Manager) start(u *unit) {
	s := u.svc
	u.gen++
	u.starts++
	u.err = ""
	if s.Ready.Kind == ReadyFile {
		if err := os.Remove(s.Ready.Path); err != nil && !os.IsNotExist(err) {
			m.logf("service %s: remove stale ready file: %v", s.Name, err)
		}
	}
	pid, err := m.spawn(s)
	if err != nil {
		u.err = err.Error()
		u.startedAt = time.Time{} // a failed start never counts as a stable run
		m.logf("service %s: %v", s.Name, err)
		m.afterExit(u, false, "not started")
		return
	}
	u.pid, u.startedAt, u.state = pid, time.Now(), StateStarting
	m.byPID[pid] = u
	m.logf("service %s: started (pid %d)", s.Name, pid)
	switch s.Ready.Kind {
	case ReadyStart:
		m.setReady(u)
	case ReadyFile, ReadySocket:
		stop := make(chan struct{})
		u.readyStop = stop
		gen := u.gen
		go watchReady(s.Ready, stop, func() {
			m.post(func() {
				if u.gen == gen && u.state == StateStarting {
					m.setReady(u)
				}
			})
		})
	}
}

func (m *Manager) setReady(u *unit) {
	u.state = StateReady
	m.logf("service %s: ready", u.svc.Name)
}

// spawn starts s's command in its own process group, stdin on /dev/null and stdout and
// stderr on a pipe to Options.Output (or /dev/null). The process is reaped by reap,
// never waited for here.
func (m *Manager) spawn(s *Service) (int, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	defer null.Close()
	out := null
	var pr *os.File
	if m.opts.Output != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return 0, fmt.Errorf("output pipe: %w", err)
		}
		defer w.Close()
		pr, out = r, w
	}
	attr := &syscall.SysProcAttr{Setpgid: true}
	if s.User != "" {
		uid, gid, err := ParseUser(s.User)
		if err != nil {
			return 0, err
		}
		attr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	}
	p, err := os.StartProcess(s.Command[0], s.Command, &os.ProcAttr{
		Dir: "/", Env: m.env(s), Files: []*os.File{null, out, out}, Sys: attr})
	if err != nil {
		if pr != nil {
			pr.Close()
		}
		return 0, fmt.Errorf("start %s: %w", s.Command[0], err)
	}
	pid := p.Pid
	_ = p.Release() // reap waits for it, by pid
	if pr != nil {
		sink := m.opts.Output(s.Name)
		go func() {
			_, _ = io.Copy(sink, pr)
			pr.Close()
			sink.Close()
		}()
	}
	return pid, nil
}

// env is the base environment with s's variables set on top (sorted by name).
func (m *Manager) env(s *Service) []string {
	env := slices.Clone(m.opts.Env)
	keys := make([]string, 0, len(s.Env))
	for k := range s.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, k+"=") })
		env = append(env, k+"="+s.Env[k])
	}
	return env
}

// watchReady calls ready once r holds, checking every ReadyPoll until stop closes.
func watchReady(r Ready, stop <-chan struct{}, ready func()) {
	t := time.NewTicker(ReadyPoll)
	defer t.Stop()
	for {
		if readyNow(r) {
			ready()
			return
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

func readyNow(r Ready) bool {
	switch r.Kind {
	case ReadyFile:
		_, err := os.Stat(r.Path)
		return err == nil
	case ReadySocket:
		c, err := net.DialTimeout("unix", r.Path, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	return false
}

// reap collects every exited child without blocking and routes the exits of services'
// processes to them; other children (orphans) are just reaped.
func (m *Manager) reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		if u := m.byPID[pid]; u != nil {
			delete(m.byPID, pid)
			m.exited(u, ws)
		}
	}
}

// exited handles the exit of u's process.
func (m *Manager) exited(u *unit, ws syscall.WaitStatus) {
	u.pid = 0
	u.cancelTimer()
	if u.readyStop != nil {
		close(u.readyStop)
		u.readyStop = nil
	}
	desc := describe(ws)
	u.lastExit = desc
	switch {
	case m.stopping:
		u.state = StateStopped
		m.logf("service %s: stopped (%s)", u.svc.Name, desc)
	case u.restartReq:
		u.restartReq = false
		u.state = StateWaiting
		m.logf("service %s: stopped (%s) for restart", u.svc.Name, desc)
	default:
		m.afterExit(u, ws.Exited() && ws.ExitStatus() == 0, desc)
	}
}

// afterExit applies u's restart policy after a run that ended (ok: status 0).
func (m *Manager) afterExit(u *unit, ok bool, desc string) {
	s := u.svc
	if s.Oneshot && ok {
		u.state = StateExited
		m.logf("service %s: finished", s.Name)
		return
	}
	if !(s.Restart == RestartAlways || s.Restart == RestartOnFailure && !ok) {
		u.state = StateFailed
		if ok {
			u.state = StateStopped
		}
		m.logf("service %s: %s (%s); restart policy %s", s.Name, u.state, desc, s.Restart)
		return
	}
	if !u.startedAt.IsZero() && time.Since(u.startedAt) >= StableRun {
		u.failures = 0
	}
	delay := backoff(s.RestartDelay(), m.opts.MaxRestartDelay, u.failures)
	u.failures++
	u.state = StateRestarting
	m.logf("service %s: exited (%s); restarting in %v", s.Name, desc, delay)
	gen := u.gen
	u.cancelTimer()
	u.timer = time.AfterFunc(delay, func() {
		m.post(func() {
			if u.gen == gen && u.state == StateRestarting {
				u.state = StateWaiting
			}
		})
	})
}

// backoff is the delay before a restart after failures consecutive failed runs: first
// doubled that many times, capped at limit (or first, if larger).
func backoff(first, limit time.Duration, failures int) time.Duration {
	limit = max(limit, first)
	d := first
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// describe says how a process ended.
func describe(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Sprintf("signal %d (%v)", int(ws.Signal()), ws.Signal())
	}
	return fmt.Sprintf("wait status %#x", uint32(ws))
}
