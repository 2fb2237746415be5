package api

import (
	"encoding/json"
	"strings"
)

// Update states (UpdateStatus.State): the state of the last updater run settingsd
// started. The boot state (is an update staged, on trial?) is "updater status"'s.
const (
	UpdateIdle      = "idle"      // nothing ran yet, a check ended, or an apply found no update
	UpdateChecking  = "checking"  // "updater check" runs
	UpdateApplying  = "applying"  // "updater apply" runs
	UpdateApplied   = "applied"   // the apply wrote the update; it boots next, once
	UpdateFailed    = "failed"    // the run failed (Error says why); an apply left the slot cleared
	UpdateCancelled = "cancelled" // the apply was cancelled and left the slot cleared
)

// UpdateStatus is the answer of GET /v1/updates/status, POST /v1/updates/apply and
// POST /v1/updates/cancel.
type UpdateStatus struct {
	State string `json:"state"`
	// Run numbers the updater runs (each check and each apply) from 1; the status is
	// about run Run (0: none yet). A client waiting for its apply watches it.
	Run int `json:"run"`
	// Reboot is set when the apply asked the updater to reboot into the update.
	Reboot bool `json:"reboot,omitempty"`
	// Progress is the apply's last progress report.
	Progress *UpdateProgress `json:"progress,omitempty"`
	// Choice is the last update choice the updater printed (by a check or an apply,
	// updater.Choice), kept across runs; Result what the last apply did
	// (updater.Result).
	Choice json.RawMessage `json:"choice,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	// Error is, when the run failed or was cancelled, the updater's last stderr lines
	// after its last progress report (its error), or how it exited.
	Error string `json:"error,omitempty"`
	// Log is the run's last stderr lines (at most maxLogLines), progress reports aside.
	Log []string `json:"log"`
}

// UpdateProgress is one progress report of "updater apply -progress json": the JSON
// form of updater.Progress (a test keeps the two in step), repeated here so that
// settingsd and apiclient do not link the updater.
type UpdateProgress struct {
	Step       string `json:"step"` // clear, root, hash, boot, migrations, set-next, done
	Target     string `json:"target,omitempty"`
	Written    int64  `json:"written"`
	Downloaded int64  `json:"downloaded"`
	Length     int64  `json:"length,omitempty"`
	Done       bool   `json:"done,omitempty"`
}

// How many stderr lines a status keeps: the log, and the error of a failed run.
const (
	maxLogLines   = 20
	maxErrorLines = 5
)

// parseProgress reads line as a progress report: a JSON object with a step.
func parseProgress(line string) (UpdateProgress, bool) {
	var p UpdateProgress
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &p) != nil || p.Step == "" {
		return UpdateProgress{}, false
	}
	return p, true
}

// appendBounded appends line to lines, dropping the oldest beyond max.
func appendBounded(lines []string, line string, max int) []string {
	if len(lines) < max {
		return append(lines, line)
	}
	copy(lines, lines[1:])
	lines[len(lines)-1] = line
	return lines
}

// clone returns a copy of st that shares nothing mutable with it (Choice and Result
// are replaced, never changed in place).
func (st UpdateStatus) clone() UpdateStatus {
	if st.Progress != nil {
		p := *st.Progress
		st.Progress = &p
	}
	st.Log = append([]string{}, st.Log...)
	return st
}
