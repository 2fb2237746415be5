package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// DefaultUpdater is the update agent's binary (agents/cmd/updater).
const DefaultUpdater = "/usr/bin/updater"

// UpdatesOptions configures Updates.
type UpdatesOptions struct {
	Updater string // the updater binary; "" is DefaultUpdater
	// CancelWait is how long Cancel waits for the apply to stop; 0 is 30 s.
	CancelWait time.Duration
	Logf       func(format string, args ...any) // nil: silent
}

// killDelay is how long a stopped updater has, after SIGTERM for a check whose
// request ended, or after it exited, before it is killed and its output abandoned.
const killDelay = 10 * time.Second

// Updates runs the updater for the /v1/updates endpoints, one run at a time, and
// keeps the status of the last run. Its methods are safe for concurrent use.
//
// A check runs "updater check" for its caller and returns the choice it printed. An
// apply starts "updater apply -progress json [-reboot]" in the background: each JSON
// line on its stderr is a progress report, the other lines make the log (and, when it
// fails, the error); its stdout is its JSON result. Cancel sends the apply SIGTERM, on
// which the updater clears the inactive slot and exits non-zero.
type Updates struct {
	o UpdatesOptions

	mu     sync.Mutex
	st     UpdateStatus
	run    *updaterRun // the running updater, nil when none
	closed bool        // Close was called: no more runs
}

// NewUpdates returns Updates with no run yet (state idle).
func NewUpdates(o UpdatesOptions) *Updates {
	if o.Updater == "" {
		o.Updater = DefaultUpdater
	}
	if o.CancelWait <= 0 {
		o.CancelWait = 30 * time.Second
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return &Updates{o: o, st: UpdateStatus{State: UpdateIdle, Log: []string{}}}
}

// Status returns the status of the last run.
func (u *Updates) Status() UpdateStatus {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.st.clone()
}

// Check runs "updater check" and returns the choice it printed (updater.Choice), which
// the status keeps. ctx ending stops the updater (SIGTERM). The error is an *Error:
// 409 when the updater already runs, 502 when it failed.
func (u *Updates) Check(ctx context.Context) (json.RawMessage, error) {
	r, _, err := u.start(ctx, "check", UpdateChecking, false)
	if err != nil {
		return nil, err
	}
	st := u.wait(r)
	if st.State != UpdateIdle {
		return nil, newError(http.StatusBadGateway, "updater check: %s", st.Error)
	}
	return st.Choice, nil
}

// Apply starts "updater apply -progress json" (with -reboot when reboot) and returns
// the status as it started. The error is an *Error, 409 when the updater already runs.
func (u *Updates) Apply(reboot bool) (UpdateStatus, error) {
	r, st, err := u.start(context.Background(), "apply", UpdateApplying, reboot)
	if err != nil {
		return st, err
	}
	go func() { _ = u.wait(r) }()
	return st, nil
}

// Cancel sends the running apply SIGTERM, then waits for it to stop, for at most
// CancelWait or until ctx ends. It returns the status and whether the apply stopped
// (the state is then cancelled, or applied or failed when it ended on its own first).
// The error is an *Error, 409 when no apply runs.
func (u *Updates) Cancel(ctx context.Context) (UpdateStatus, bool, error) {
	u.mu.Lock()
	r := u.run
	if r == nil || r.op != "apply" {
		st := u.st.clone()
		u.mu.Unlock()
		return st, false, newError(http.StatusConflict, "no update is being applied (state %s): nothing to cancel", st.State)
	}
	err := r.stop()
	u.mu.Unlock()
	if err != nil {
		return u.Status(), false, newError(http.StatusInternalServerError, "cancel the update: %v", err)
	}
	u.o.Logf("updater apply: cancelling (SIGTERM to pid %d)", r.cmd.Process.Pid)
	timer := time.NewTimer(u.o.CancelWait)
	defer timer.Stop()
	select {
	case <-r.done:
		return u.Status(), true, nil
	case <-ctx.Done():
	case <-timer.C:
	}
	return u.Status(), false, nil
}

// Close refuses further runs and stops a running updater (SIGTERM: an apply clears
// the inactive slot), waiting for it until ctx ends.
func (u *Updates) Close(ctx context.Context) error {
	u.mu.Lock()
	u.closed = true
	r := u.run
	var err error
	if r != nil {
		err = r.stop()
	}
	u.mu.Unlock()
	if r == nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stop updater %s: %w", r.op, err)
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop updater %s: %w", r.op, ctx.Err())
	}
}
