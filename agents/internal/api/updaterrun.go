package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// updaterRun is one updater child.
type updaterRun struct {
	op        string // "check" or "apply"
	cmd       *exec.Cmd
	stdout    *cappedBuffer
	stderr    *lineWriter
	done      chan struct{} // closed once the run's outcome is in the status
	cancelled bool          // Cancel or Close signalled it; guarded by Updates.mu
	// errLines are the stderr lines since the last progress report, the error of a
	// failed run (at most maxErrorLines); guarded by Updates.mu.
	errLines []string
}

// stop marks r cancelled and sends it SIGTERM; a child that already exited is not an
// error. Updates.mu is held.
func (r *updaterRun) stop() error {
	r.cancelled = true
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// start starts the updater for op unless it runs already, making a new run whose
// status is state. It returns the run and the status as it started.
func (u *Updates) start(ctx context.Context, op, state string, reboot bool) (*updaterRun, UpdateStatus, error) {
	args := []string{op}
	if op == "apply" {
		args = append(args, "-progress", "json")
		if reboot {
			args = append(args, "-reboot")
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.closed:
		return nil, u.st.clone(), newError(http.StatusServiceUnavailable, "settingsd is stopping: no updater runs")
	case u.run != nil:
		return nil, u.st.clone(), newError(http.StatusConflict, "the updater is already running (%s, run %d): wait for it, or cancel an apply", u.run.op, u.st.Run)
	}
	r := &updaterRun{op: op, done: make(chan struct{}), stdout: &cappedBuffer{max: maxUpdaterOutput}}
	r.stderr = &lineWriter{line: func(line string) { u.line(r, line) }}
	cmd := exec.CommandContext(ctx, u.o.Updater, args...)
	cmd.Stdout, cmd.Stderr = r.stdout, r.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = killDelay
	r.cmd = cmd

	u.st = UpdateStatus{State: state, Run: u.st.Run + 1, Reboot: reboot, Choice: u.st.Choice, Log: []string{}}
	if err := cmd.Start(); err != nil {
		u.st.State, u.st.Error = UpdateFailed, fmt.Sprintf("start the updater: %v", err)
		return nil, u.st.clone(), newError(http.StatusInternalServerError, "updater %s: %s", op, u.st.Error)
	}
	u.run = r
	u.o.Logf("updater %s: started %s (pid %d)", op, strings.Join(cmd.Args, " "), cmd.Process.Pid)
	return r, u.st.clone(), nil
}

// line records one stderr line of run r: a progress report, or a log line.
func (u *Updates) line(r *updaterRun, line string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if p, ok := parseProgress(line); ok {
		u.st.Progress = &p
		r.errLines = r.errLines[:0]
		return
	}
	u.st.Log = appendBounded(u.st.Log, line, maxLogLines)
	r.errLines = appendBounded(r.errLines, line, maxErrorLines)
}

// wait waits for r to exit, records its outcome and returns the status it ended with.
func (u *Updates) wait(r *updaterRun) UpdateStatus {
	werr := r.cmd.Wait()
	r.stderr.Flush() // the copy of stderr ended with Wait
	out, oerr := r.stdout.Bytes()
	u.mu.Lock()
	defer u.mu.Unlock()
	u.finish(r, werr, out, oerr)
	u.run = nil
	close(r.done)
	u.o.Logf("updater %s: %s%s", r.op, u.st.State, strings.ReplaceAll(prefixed(": ", u.st.Error), "\n", "; "))
	return u.st.clone()
}

// finish sets the status from how r ended: werr from Wait, out its stdout (oerr
// when it was too long). Updates.mu is held.
func (u *Updates) finish(r *updaterRun, werr error, out []byte, oerr error) {
	var choice, result json.RawMessage
	if oerr == nil {
		if r.op == "check" {
			choice, oerr = parseChoice(out)
		} else {
			choice, result, oerr = parseApplyOutput(out)
		}
	}
	if choice != nil { // also from a failed apply whose reboot failed, for instance
		u.st.Choice, u.st.Result = choice, result
	}
	switch {
	case werr != nil:
		u.st.State, u.st.Error = UpdateFailed, r.errorText(werr)
		if r.cancelled && r.op == "apply" {
			u.st.State = UpdateCancelled
		}
	case oerr != nil:
		u.st.State, u.st.Error = UpdateFailed, fmt.Sprintf("updater %s exited 0 but: %v", r.op, oerr)
	case result != nil:
		u.st.State = UpdateApplied
	default: // a check, or an apply that found no update
		u.st.State = UpdateIdle
	}
}

// errorText is the error of r, which ended with werr: its stderr lines after its last
// progress report, or else werr.
func (r *updaterRun) errorText(werr error) string {
	if len(r.errLines) == 0 {
		return fmt.Sprintf("updater %s: %v, with no error message", r.op, werr)
	}
	return strings.Join(r.errLines, "\n")
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
