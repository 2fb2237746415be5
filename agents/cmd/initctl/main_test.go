package main

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/logring"
	"github.com/kitbash-dev/kitbash/agents/internal/pid1"
	"github.com/kitbash-dev/kitbash/agents/internal/service"
)

type fakeServices struct {
	mu        sync.Mutex
	restarted []string
}

func (f *fakeServices) Status() ([]service.Status, error) {
	return []service.Status{
		{Name: "settings", State: service.StateReady, PID: 12, Required: true, Starts: 2, Restarts: 1, LastExit: "exit status 1"},
		{Name: "containerd", State: service.StateFailed, Error: "required service settings failed"},
	}, nil
}

func (f *fakeServices) Restart(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != "settings" {
		return fmt.Errorf("%w: %q", service.ErrUnknown, name)
	}
	f.restarted = append(f.restarted, name)
	return nil
}

func TestInitctl(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "init.sock")
	l, err := pid1.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ring := logring.New(10, nil)
	ring.Line("init: starting (pid 1)")
	svcs := &fakeServices{}
	actions := make(chan pid1.Action, 1)
	srv := &http.Server{Handler: (&pid1.API{Services: svcs, Log: ring, Ready: func() bool { return false },
		Shutdown: func(a pid1.Action) { actions <- a }}).Handler()}
	go srv.Serve(l)
	defer srv.Close()

	ctl := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"-socket", sock}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, _ := ctl("status")
	want := `NAME        STATE   PID  RESTARTS  LAST EXIT
settings    ready   12   1         exit status 1
containerd  failed  -    0         required service settings failed
(not ready)
`
	if code != 0 || out != want {
		t.Fatalf("status: %d\n%s\nwant\n%s", code, out, want)
	}
	if code, out, _ := ctl("-json", "status"); code != 0 || !strings.Contains(out, `"name": "containerd"`) {
		t.Fatalf("status -json: %d %s", code, out)
	}
	if code, _, _ := ctl("restart", "settings"); code != 0 {
		t.Fatalf("restart: exit %d", code)
	}
	svcs.mu.Lock()
	if len(svcs.restarted) != 1 {
		t.Fatalf("restarted %v", svcs.restarted)
	}
	svcs.mu.Unlock()
	if code, _, errs := ctl("restart", "nope"); code != 1 || errs != "initctl: POST /v1/services/nope/restart: no such service: \"nope\"\n" {
		t.Fatalf("restart nope: %d %q", code, errs)
	}
	if code, out, _ := ctl("log"); code != 0 || out != "init: starting (pid 1)\n" {
		t.Fatalf("log: %d %q", code, out)
	}
	if code, _, _ := ctl("reboot"); code != 0 || <-actions != pid1.Reboot {
		t.Fatalf("reboot: exit %d", code)
	}
	if code, _, errs := ctl("restart"); code != 2 || !strings.Contains(errs, "usage: initctl") {
		t.Fatalf("usage: %d %q", code, errs)
	}
	var errb bytes.Buffer
	if code := run([]string{"-socket", filepath.Join(t.TempDir(), "none.sock"), "status"}, &bytes.Buffer{}, &errb); code != 1 ||
		!strings.Contains(errb.String(), "GET /v1/services: ") {
		t.Fatalf("no socket: exit %d, %q", code, errb.String())
	}
}
