package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/api"
	"github.com/kitbash-dev/kitbash/agents/internal/settings"
)

const schema = `{
  "settings": {
    "motd": {"type": "string", "default": "Welcome"},
    "net.mtu": {"type": "int", "default": 1500, "min": 576, "max": 9000},
    "ntp.servers": {"type": "list-of-string", "default": []}
  },
  "templates": [{"source": "motd.tmpl", "dest": "/etc/motd", "uses": ["motd"], "restart": ["motd-svc"]}]
}`

type nopRestarter struct{}

func (nopRestarter) Restart(context.Context, string) error { return nil }

// server runs settingsd's handler on a Unix socket and returns the socket.
func server(t *testing.T) string {
	t.Helper()
	return serverWith(t, nil)
}

// serverWith is server with update endpoints served through updates, unless nil.
func serverWith(t *testing.T, updates *api.Updates) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kbcli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sd := filepath.Join(dir, "settings.d")
	if err := os.MkdirAll(sd, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"10.json": schema, "motd.tmpl": "{{ .motd }}\n"} {
		if err := os.WriteFile(filepath.Join(sd, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := settings.LoadSchema(sd)
	if err != nil {
		t.Fatal(err)
	}
	st, err := api.Open(api.Options{Root: filepath.Join(dir, "ds"), OSVersion: "1.0.0", Schema: s, TemplatesRoot: filepath.Join(dir, "root"), Restarter: nopRestarter{}})
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(api.NewHandler(st, updates))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return sock
}

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSetGetApply(t *testing.T) {
	sock := server(t)
	code, out, errs := runCLI(t, "", "--socket", sock, "set", "motd=hello world", "net.mtu=9000", `ntp.servers=["a","b"]`)
	if code != 0 {
		t.Fatalf("set: %d %s", code, errs)
	}
	want := "changed: motd, net.mtu, ntp.servers\nrendered: /etc/motd\nrestarted: motd-svc\n"
	if out != want {
		t.Fatalf("set printed %q", out)
	}
	code, out, _ = runCLI(t, "", "--socket", sock, "get", "motd", "net")
	if code != 0 || !strings.Contains(out, `"motd": "hello world"`) || !strings.Contains(out, `"mtu": 9000`) || strings.Contains(out, "ntp") {
		t.Fatalf("get: %d %s", code, out)
	}
	// --no-commit leaves it pending; raw shows the transaction
	if code, _, errs := runCLI(t, "", "--socket", sock, "set", "--no-commit", "motd=later"); code != 0 {
		t.Fatalf("set --no-commit: %s", errs)
	}
	code, out, _ = runCLI(t, "", "--socket", sock, "raw", "get", "/v1/tx")
	if code != 0 || !strings.Contains(out, `"motd": "later"`) {
		t.Fatalf("raw: %d %s", code, out)
	}
	code, out, _ = runCLI(t, `{"net": {"mtu": 1400}}`, "--socket", sock, "raw", "PATCH", "/v1/settings", "-")
	if code != 0 || !strings.Contains(out, `"mtu": 1400`) {
		t.Fatalf("raw stdin: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, "", "--socket", sock, "apply"); code != 0 || out != "" {
		t.Fatalf("apply with nothing committed: %d %q", code, out)
	}
}

func TestReadableErrors(t *testing.T) {
	sock := server(t)
	code, _, errs := runCLI(t, "", "--socket", sock, "set", "net.mtu=10", "motd=1", "nope=x")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	want := "apiclient: PATCH /v1/settings: 400 Bad Request\n" +
		"  motd: expected a string, got the number 1\n" +
		"  net.mtu: 10 is less than the minimum 576\n" +
		"  nope: unknown setting\n"
	if errs != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", errs, want)
	}
	if code, _, errs := runCLI(t, "", "--socket", sock, "get", "bogus"); code != 1 || !strings.Contains(errs, "  bogus: unknown setting") {
		t.Fatalf("get bogus: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "--socket", filepath.Join(t.TempDir(), "none.sock"), "get"); code != 1 || !strings.Contains(errs, "cannot reach settingsd") {
		t.Fatalf("no server: %d %s", code, errs)
	}
	for _, args := range [][]string{{}, {"frob"}, {"set"}, {"set", "novalue"}, {"set", "a.b=1", "a=2"}, {"raw", "GET"}, {"apply", "x"}} {
		if code, _, _ := runCLI(t, "", append([]string{"--socket", sock}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestBuildTree(t *testing.T) {
	tree, err := buildTree([]string{"a.b=1", "a.c=x y", "d=null", `e={"k":"v"}`})
	if err != nil {
		t.Fatal(err)
	}
	bb, _ := json.Marshal(tree)
	b := string(bb)
	if b != `{"a":{"b":1,"c":"x y"},"d":null,"e":{"k":"v"}}` {
		t.Fatalf("%s", b)
	}
	for _, bad := range [][]string{{"a=1", "a.b=2"}, {"a=1", "a=2"}, {"a..b=1"}, {"=1"}} {
		if _, err := buildTree(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
