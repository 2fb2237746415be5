package pid1

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/kitbash-dev/kitbash/agents/internal/logring"
	"github.com/kitbash-dev/kitbash/agents/internal/service"
)

// DefaultSocket is where the control API listens.
const DefaultSocket = "/run/kitbash/init.sock"

// Action is what init does at the end.
type Action string

// Actions.
const (
	PowerOff Action = "poweroff"
	Reboot   Action = "reboot"
)

// Services is what the API needs from the service manager.
type Services interface {
	Status() ([]service.Status, error)
	Restart(name string) error
}

// ServicesReply is the body of GET /v1/services.
type ServicesReply struct {
	Ready    bool             `json:"ready"` // the ready line was printed
	Services []service.Status `json:"services"`
}

// ErrorReply is the body of every error response.
type ErrorReply struct {
	Error string `json:"error"`
}

// API serves the control API over HTTP on a unix socket:
//
//	GET  /v1/services                 200 ServicesReply
//	POST /v1/services/{name}/restart  202 {"restarting":"<name>"}; 404 unknown; 409 shutting down
//	GET  /v1/log                      200 text/plain, the log ring, oldest line first
//	POST /v1/poweroff                 202 {"action":"poweroff"}
//	POST /v1/reboot                   202 {"action":"reboot"}
//
// Errors are {"error": "..."} with a 4xx or 5xx status.
type API struct {
	Services Services
	Log      *logring.Ring
	Ready    func() bool    // whether the ready line was printed
	Shutdown func(a Action) // asks init to power off or reboot; must not block
}

// Handler returns the API's routes.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/services", func(w http.ResponseWriter, r *http.Request) {
		sts, err := a.Services.Status()
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, err)
			return
		}
		writeJSON(w, http.StatusOK, ServicesReply{Ready: a.Ready(), Services: sts})
	})
	mux.HandleFunc("POST /v1/services/{name}/restart", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		err := a.Services.Restart(name)
		switch {
		case errors.Is(err, service.ErrUnknown):
			writeError(w, http.StatusNotFound, err)
		case errors.Is(err, service.ErrShuttingDown), errors.Is(err, service.ErrNotRunning):
			writeError(w, http.StatusConflict, err)
		case err != nil:
			writeError(w, http.StatusInternalServerError, err)
		default:
			writeJSON(w, http.StatusAccepted, map[string]string{"restarting": name})
		}
	})
	mux.HandleFunc("GET /v1/log", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = a.Log.WriteTo(w)
	})
	for _, act := range []Action{PowerOff, Reboot} {
		mux.HandleFunc("POST /v1/"+string(act), func(w http.ResponseWriter, r *http.Request) {
			a.Shutdown(act)
			writeJSON(w, http.StatusAccepted, map[string]string{"action": string(act)})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no route %s %s; see GET /v1/services, POST /v1/services/NAME/restart, GET /v1/log, POST /v1/poweroff, POST /v1/reboot", r.Method, r.URL.Path))
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, ErrorReply{Error: err.Error()})
}

// Listen creates the unix socket at path (replacing a stale one, creating the
// directory), readable and writable by root only.
func Listen(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return l, nil
}
