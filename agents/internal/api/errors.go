// Package api is the settings API that settingsd serves on a Unix socket:
//
//	GET    /v1/settings[?keys=a.b,c]  the committed settings (with defaults) as a tree;
//	                                  keys selects settings or prefixes ("net", "net.*")
//	PATCH  /v1/settings               add a partial tree to the pending transaction; a
//	                                  null leaf unsets the setting (back to its default)
//	GET    /v1/tx                     the pending transaction as a tree
//	DELETE /v1/tx                     discard the pending transaction
//	POST   /v1/tx/commit              make the pending transaction the committed settings
//	POST   /v1/tx/apply               render the configuration files from the committed
//	                                  settings and restart the services whose files changed
//	POST   /v1/updates/check          run "updater check", answer its choice (updater.Choice)
//	POST   /v1/updates/apply          start "updater apply" in the background, answer 202 and
//	                                  the update status; body {"reboot": true} (optional)
//	                                  reboots into the update once applied
//	POST   /v1/updates/cancel         SIGTERM the running apply (it clears the inactive slot),
//	                                  wait for it, answer the status (202: still stopping)
//	GET    /v1/updates/status         the update status (UpdateStatus): state (idle, checking,
//	                                  applying, applied, failed, cancelled), progress, choice,
//	                                  result, error and log of the last updater run
//
// Every error is JSON, {"errors": [{"path": "net.mtu", "reason": "..."}]}, with path
// empty for problems that are not about one setting. Bad input is 400 (413 when the
// body is larger than MaxBody), and nothing is written.
//
// The update endpoints run the update agent (agents/cmd/updater) as a child, one run
// at a time (Updates): a check or an apply while one runs, and a cancel with no apply
// running, are 409; a check that fails is 502. They are served only when NewHandler
// is given Updates.
//
// Store keeps the transaction in the datastore (package datastore): PATCH writes
// pending.json, commit writes settings.json then removes pending.json, each write
// atomic. Commit is idempotent, so a crash between its two steps is harmless: the
// leftover pending transaction holds values already committed.
package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/kitbash-dev/kitbash/agents/internal/settings"
)

// MaxBody is the largest request body accepted, in bytes.
const MaxBody = 1 << 20

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Errors []settings.Problem `json:"errors"`
}

// Error is an API error: an HTTP status and the problems behind it.
type Error struct {
	Status   int
	Problems settings.Problems
}

// Error describes the status and every problem.
func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Problems.Error())
}

// newError makes an Error with one problem not tied to a setting.
func newError(status int, format string, args ...any) *Error {
	return &Error{Status: status, Problems: settings.Problems{{Reason: fmt.Sprintf(format, args...)}}}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"path":"","reason":"encoding the response failed"}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError writes err as an ErrorBody; errors other than *Error are 500s.
func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*Error)
	if !ok {
		e = newError(http.StatusInternalServerError, "%v", err)
	}
	writeJSON(w, e.Status, ErrorBody{Errors: e.Problems})
}
