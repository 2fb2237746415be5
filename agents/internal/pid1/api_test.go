package pid1

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/logring"
	"github.com/kitbash-dev/kitbash/agents/internal/service"
)

type fakeServices struct {
	mu        sync.Mutex
	restarted []string
	stopping  bool
}

func (f *fakeServices) Status() ([]service.Status, error) {
	return []service.Status{{Name: "a", State: service.StateReady, PID: 7, Required: true, Starts: 1}}, nil
}

func (f *fakeServices) Restart(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.stopping:
		return service.ErrShuttingDown
	case name != "a":
		return fmt.Errorf("%w: %q", service.ErrUnknown, name)
	}
	f.restarted = append(f.restarted, name)
	return nil
}

// serve runs an API on a unix socket in a temp dir and returns a client for it.
func serve(t *testing.T, a *API) *Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "run/kitbash/init.sock")
	l, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: a.Handler()}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return NewClient(sock)
}

func TestAPI(t *testing.T) {
	ring := logring.New(10, nil)
	ring.Line("init: hello")
	svcs := &fakeServices{}
	actions := make(chan Action, 2)
	c := serve(t, &API{Services: svcs, Log: ring, Ready: func() bool { return true },
		Shutdown: func(a Action) { actions <- a }})
	ctx := context.Background()

	st, err := c.Services(ctx)
	if err != nil || !st.Ready || len(st.Services) != 1 || st.Services[0].PID != 7 {
		t.Fatalf("services: %+v %v", st, err)
	}
	if err := c.Restart(ctx, "a"); err != nil {
		t.Fatalf("restart a: %v", err)
	}
	svcs.mu.Lock()
	if len(svcs.restarted) != 1 {
		t.Fatalf("restarted %v", svcs.restarted)
	}
	svcs.mu.Unlock()
	if err := c.Restart(ctx, "zz"); err == nil || err.Error() != `POST /v1/services/zz/restart: no such service: "zz"` {
		t.Fatalf("restart zz: %v", err)
	}
	svcs.mu.Lock()
	svcs.stopping = true
	svcs.mu.Unlock()
	if err := c.Restart(ctx, "a"); err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Fatalf("restart while stopping: %v", err)
	}
	if log, err := c.Log(ctx); err != nil || log != "init: hello\n" {
		t.Fatalf("log %q %v", log, err)
	}
	if err := c.Shutdown(ctx, Reboot); err != nil || <-actions != Reboot {
		t.Fatalf("reboot: %v", err)
	}
	if err := c.Shutdown(ctx, PowerOff); err != nil || <-actions != PowerOff {
		t.Fatalf("poweroff: %v", err)
	}
	if _, err := c.do(ctx, http.MethodGet, "/v2/nothing", http.StatusOK); err == nil || !strings.Contains(err.Error(), "no route GET /v2/nothing") {
		t.Fatalf("unknown route: %v", err)
	}
	if _, err := c.do(ctx, http.MethodGet, "/v1/poweroff", http.StatusAccepted); err == nil {
		t.Fatal("GET /v1/poweroff should not power off")
	}
	if len(actions) != 0 {
		t.Fatal("unexpected shutdown")
	}
}
