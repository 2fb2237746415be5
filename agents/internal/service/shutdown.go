package service

import (
	"os"
	"syscall"
	"time"
)

// shutdown stops the services in reverse dependency order, one at a time: SIGTERM to
// the process group, SIGKILL after StopTimeout, then wait (at most another StopTimeout)
// for the exit. Requests that arrive meanwhile are served (restarts are refused).
func (m *Manager) shutdown(chld <-chan os.Signal, tick <-chan time.Time) {
	m.stopping = true
	m.logf("stopping services")
	for _, u := range m.units {
		u.cancelTimer()
	}
	for i := len(m.units) - 1; i >= 0; i-- {
		u := m.units[i]
		if u.pid == 0 {
			switch u.state {
			case StateWaiting, StateRestarting:
				u.state = StateStopped
			}
			continue
		}
		m.logf("service %s: stopping (pid %d)", u.svc.Name, u.pid)
		u.state = StateStopping
		m.signal(u, syscall.SIGTERM)
		deadline := time.NewTimer(m.opts.StopTimeout)
		killed := false
	wait:
		for u.pid != 0 {
			select {
			case <-chld:
				m.reap()
			case <-tick:
				m.reap()
			case f := <-m.events:
				f()
			case <-deadline.C:
				if killed {
					m.logf("service %s: pid %d still running after SIGKILL; giving up on it", u.svc.Name, u.pid)
					break wait
				}
				m.logf("service %s: still running %v after SIGTERM; SIGKILL", u.svc.Name, m.opts.StopTimeout)
				m.signal(u, syscall.SIGKILL)
				killed = true
				deadline.Reset(m.opts.StopTimeout)
			}
		}
		deadline.Stop()
	}
	m.logf("services stopped")
	if m.opts.KillAll && os.Getpid() == 1 {
		m.killAll(chld)
	}
}

// killAll sends SIGTERM to every process but PID 1, reaps them for up to StopTimeout,
// then SIGKILL and reaps again. Only for PID 1 (kill(-1) reaches every process).
func (m *Manager) killAll(chld <-chan os.Signal) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if err := syscall.Kill(-1, sig); err == syscall.ESRCH {
			return // nobody left
		}
		m.logf("sent %v to all remaining processes", sig)
		deadline := time.After(m.opts.StopTimeout)
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err == syscall.ECHILD {
				return
			}
			if err == nil && pid > 0 || err == syscall.EINTR {
				continue
			}
			select {
			case <-chld:
				continue
			case <-time.After(50 * time.Millisecond):
				continue
			case <-deadline:
			}
			break
		}
	}
}
