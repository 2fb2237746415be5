package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sync/atomic"
	"syscall"
	"time"
)

// State is where a service is in its life.
type State string

// Service states.
const (
	StateWaiting    State = "waiting"    // for the services it is after
	StateStarting   State = "starting"   // running, not ready yet
	StateReady      State = "ready"      // running and ready
	StateExited     State = "exited"     // oneshot, finished with status 0
	StateRestarting State = "restarting" // waiting out its restart delay
	StateStopping   State = "stopping"   // sent SIGTERM
	StateStopped    State = "stopped"    // exited 0 and not restarted, or stopped at shutdown
	StateFailed     State = "failed"     // failed and not restarted, or a service it requires failed
)

// Status is one service's state as the control API shows it.
type Status struct {
	Name     string `json:"name"`
	State    State  `json:"state"`
	PID      int    `json:"pid,omitempty"`
	Required bool   `json:"required"`
	Starts   int    `json:"starts"`
	Restarts int    `json:"restarts"`
	LastExit string `json:"lastExit,omitempty"` // "exit status 1", "signal 9 (killed)"
	Error    string `json:"error,omitempty"`    // why it could not start
}

// Errors from the manager's methods.
var (
	ErrUnknown      = errors.New("no such service")
	ErrShuttingDown = errors.New("shutting down")
	ErrNotRunning   = errors.New("service manager not running")
)

// StableRun is how long a service must run for its restart delay to go back to the
// first one.
const StableRun = 10 * time.Second

// DefaultEnv returns the base environment of services when Options.Env is nil.
func DefaultEnv() []string {
	return []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/"}
}

// Options configure a Manager. The zero value works: logs are dropped and so is the
// services' output.
type Options struct {
	// Log receives the manager's log lines ("service NAME: ..."), one Write per line.
	Log io.Writer
	// Output, if set, gives the writer for one service's stdout and stderr; it is
	// closed when the service's output ends. Nil sends the output to /dev/null.
	Output func(name string) io.WriteCloser
	// Env is the base environment of every service (a service's env is added on top).
	Env []string
	// StopTimeout is how long a service has between SIGTERM and SIGKILL (default 10s).
	StopTimeout time.Duration
	// MaxRestartDelay caps the doubling restart delay (default 30s).
	MaxRestartDelay time.Duration
	// OnReady is called once, from the manager's goroutine, when every required service
	// is ready (oneshot: exited 0), with their number. It must not call the Manager.
	OnReady func(required int)
	// KillAll, for PID 1 only (ignored unless os.Getpid() == 1): after the services
	// stopped, send SIGTERM and then SIGKILL to every other process and reap them.
	KillAll bool
}

// Manager runs a set of services. Its state belongs to the goroutine running Run;
// the other methods send it requests, so they are safe for concurrent use.
//
// Run reaps every child of the process (wait4(-1)), so nothing else in the process may
// wait for children (no exec.Cmd.Wait); exits of unknown children (orphans that were
// reparented to PID 1) are reaped and dropped.
type Manager struct {
	opts    Options
	units   []*unit // dependency order
	byName  map[string]*unit
	byPID   map[int]*unit
	events  chan func()
	done    chan struct{} // closed when Run returns
	started atomic.Bool

	// owned by Run's goroutine
	stopping  bool
	announced bool
}

// unit is the run-time state of one service.
type unit struct {
	svc        *Service
	state      State
	pid        int
	gen        int // incremented at each start; stale timers and watchers compare it
	starts     int
	failures   int // consecutive, for the restart delay
	startedAt  time.Time
	lastExit   string
	err        string
	restartReq bool          // stopping to be started again
	timer      *time.Timer   // restart delay or SIGKILL timer
	readyStop  chan struct{} // closes the readiness watcher
}

// NewManager checks svcs (see Service.Check and Order) and returns a manager for them.
// Services are copied; Run starts them.
func NewManager(svcs []*Service, opts Options) (*Manager, error) {
	copies := make([]*Service, len(svcs))
	var errs []error
	for i, s := range svcs {
		c := *s
		if c.Path == "" {
			c.Path = c.Name
		}
		errs = append(errs, c.Check())
		copies[i] = &c
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ordered, err := Order(copies)
	if err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Env == nil {
		opts.Env = DefaultEnv()
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 10 * time.Second
	}
	if opts.MaxRestartDelay <= 0 {
		opts.MaxRestartDelay = 30 * time.Second
	}
	m := &Manager{
		opts:   opts,
		byName: make(map[string]*unit, len(ordered)),
		byPID:  make(map[int]*unit),
		events: make(chan func()),
		done:   make(chan struct{}),
	}
	for _, s := range ordered {
		u := &unit{svc: s, state: StateWaiting}
		m.units = append(m.units, u)
		m.byName[s.Name] = u
	}
	return m, nil
}

// Run starts the services in order and keeps them per policy, reaping children, until
// ctx is done; then it stops them in reverse order (SIGTERM to the service's process
// group, SIGKILL after StopTimeout) and returns. Run may be called once.
func (m *Manager) Run(ctx context.Context) error {
	if !m.started.CompareAndSwap(false, true) {
		return errors.New("service manager: Run called twice")
	}
	defer close(m.done)
	chld := make(chan os.Signal, 1)
	signal.Notify(chld, syscall.SIGCHLD)
	defer signal.Stop(chld)
	tick := time.NewTicker(time.Second) // in case a SIGCHLD is missed
	defer tick.Stop()

	m.logf("starting %d services", len(m.units))
	m.schedule()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-chld:
			m.reap()
		case <-tick.C:
			m.reap()
		case f := <-m.events:
			f()
		}
		m.schedule()
	}
	m.shutdown(chld, tick.C)
	return nil
}

// Status returns every service's status, in dependency order.
func (m *Manager) Status() ([]Status, error) {
	var out []Status
	err := m.call(func() {
		for _, u := range m.units {
			out = append(out, u.status())
		}
	})
	return out, err
}

// Restart stops the named service (if running) and starts it again, with a fresh
// restart delay. It returns once the restart is under way.
func (m *Manager) Restart(name string) error {
	var err error
	if cerr := m.call(func() { err = m.restart(name) }); cerr != nil {
		return cerr
	}
	return err
}

// call runs f on Run's goroutine and waits for it.
func (m *Manager) call(f func()) error {
	done := make(chan struct{})
	select {
	case m.events <- func() { f(); close(done) }:
		<-done
		return nil
	case <-m.done:
		return ErrNotRunning
	}
}

// post runs f on Run's goroutine without waiting (from timers and watchers).
func (m *Manager) post(f func()) {
	select {
	case m.events <- f:
	case <-m.done:
	}
}

func (m *Manager) logf(format string, a ...any) {
	fmt.Fprintf(m.opts.Log, format+"\n", a...)
}

func (u *unit) status() Status {
	st := Status{Name: u.svc.Name, State: u.state, PID: u.pid, Required: u.svc.Required,
		Starts: u.starts, LastExit: u.lastExit, Error: u.err}
	if u.starts > 1 {
		st.Restarts = u.starts - 1
	}
	return st
}

func (u *unit) cancelTimer() {
	if u.timer != nil {
		u.timer.Stop()
		u.timer = nil
	}
}

// schedule starts every waiting service whose dependencies are ready, fails those
// whose required dependencies failed, and announces readiness.
func (m *Manager) schedule() {
	if m.stopping {
		return
	}
	for changed := true; changed; {
		changed = false
		for _, u := range m.units {
			if u.state != StateWaiting {
				continue
			}
			ok, why := m.depsMet(u)
			switch {
			case ok:
				m.start(u)
				changed = true
			case why != "":
				u.state, u.err = StateFailed, why
				m.logf("service %s: not started: %s", u.svc.Name, why)
				changed = true
			}
		}
	}
	m.checkReady()
}

// depsMet reports whether u may start; if it never can (a service it requires failed
// or stopped), why says so.
func (m *Manager) depsMet(u *unit) (ok bool, why string) {
	for _, d := range u.svc.Deps() {
		du := m.byName[d]
		switch du.state {
		case StateReady, StateExited:
		case StateFailed, StateStopped:
			if slices.Contains(u.svc.Requires, d) {
				return false, fmt.Sprintf("required service %s %s", d, du.state)
			}
		default:
			return false, ""
		}
	}
	return true, ""
}

func (m *Manager) checkReady() {
	if m.announced {
		return
	}
	n := 0
	for _, u := range m.units {
		if !u.svc.Required {
			continue
		}
		if u.state != StateReady && u.state != StateExited {
			return
		}
		n++
	}
	m.announced = true
	m.logf("all %d required services ready", n)
	if m.opts.OnReady != nil {
		m.opts.OnReady(n)
	}
}

func (m *Manager) restart(name string) error {
	u := m.byName[name]
	switch {
	case u == nil:
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	case m.stopping:
		return ErrShuttingDown
	}
	u.failures = 0
	if u.pid == 0 {
		u.cancelTimer()
		u.state, u.err = StateWaiting, ""
		m.logf("service %s: restart requested", name)
		return nil
	}
	if u.restartReq {
		return nil
	}
	m.logf("service %s: restart requested; stopping pid %d", name, u.pid)
	u.restartReq = true
	m.stopUnit(u)
	return nil
}

// stopUnit sends SIGTERM to u and arms SIGKILL after StopTimeout.
func (m *Manager) stopUnit(u *unit) {
	u.state = StateStopping
	m.signal(u, syscall.SIGTERM)
	u.cancelTimer()
	gen := u.gen
	u.timer = time.AfterFunc(m.opts.StopTimeout, func() {
		m.post(func() {
			if u.gen == gen && u.pid != 0 {
				m.logf("service %s: still running %v after SIGTERM; SIGKILL", u.svc.Name, m.opts.StopTimeout)
				m.signal(u, syscall.SIGKILL)
			}
		})
	})
}

// signal sends sig to u's process group (its own: services start with Setpgid), or to
// its process if it left the group.
func (m *Manager) signal(u *unit, sig syscall.Signal) {
	if u.pid == 0 {
		return
	}
	if err := syscall.Kill(-u.pid, sig); err == syscall.ESRCH {
		_ = syscall.Kill(u.pid, sig)
	}
}
