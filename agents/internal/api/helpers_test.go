package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/settings"
)

const schemaJSON = `{
  "settings": {
    "motd": {"type": "string", "default": "Welcome"},
    "net.mtu": {"type": "int", "default": 1500, "min": 576, "max": 9000},
    "net.mode": {"type": "string", "default": "dhcp", "allowed": ["dhcp", "static"]},
    "ntp.servers": {"type": "list-of-string", "default": ["pool.ntp.org"]},
    "ntp.enabled": {"type": "bool", "default": true},
    "kubernetes.labels": {"type": "map-of-string"}
  },
  "templates": [
    {"source": "motd.tmpl", "dest": "/etc/motd", "uses": ["motd"], "restart": ["motd-svc"]},
    {"source": "net.tmpl", "dest": "/etc/net/net.conf", "mode": "0600", "uses": ["net.*"], "restart": ["netd"]},
    {"source": "ntp.tmpl", "dest": "/etc/chrony.conf", "uses": ["ntp.*", "net.mtu"], "restart": ["chronyd"]}
  ]
}`

var templates = map[string]string{
	"motd.tmpl": "{{ .motd }}\n",
	"net.tmpl":  "mtu={{ .net.mtu }} mode={{ .net.mode | quote }}\n",
	"ntp.tmpl":  "{{ if .ntp.enabled }}{{ range .ntp.servers }}server {{ . }}\n{{ end }}{{ end }}# mtu {{ .net.mtu }}\n",
}

// recorder is a Restarter that records calls and fails for services in fail.
type recorder struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]bool
}

func (r *recorder) Restart(_ context.Context, svc string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[svc] {
		return errors.New("unit failed")
	}
	r.calls = append(r.calls, svc)
	return nil
}

func (r *recorder) failing(svcs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = map[string]bool{}
	for _, s := range svcs {
		r.fail[s] = true
	}
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	sort.Strings(c)
	return c
}

// env is one test's settingsd: schema dir, datastore root, render root.
type env struct {
	t        *testing.T
	schema   *settings.Schema
	root     string // datastore root
	etc      string // templates root
	restarts *recorder
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	sd := filepath.Join(dir, "settings.d")
	if err := os.MkdirAll(sd, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"10-test.json": schemaJSON, "90-variant.json": `{"defaults": {"motd": "Variant welcome"}}`}
	for k, v := range templates {
		files[k] = v
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(sd, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := settings.LoadSchema(sd)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, schema: s, root: filepath.Join(dir, "datastore"), etc: filepath.Join(dir, "root"), restarts: &recorder{}}
}

func (e *env) options() Options {
	return Options{Root: e.root, OSVersion: "1.0.0", Schema: e.schema, TemplatesRoot: e.etc,
		Restarter: e.restarts, Logf: e.t.Logf}
}

func (e *env) open(o Options) *Store {
	e.t.Helper()
	st, err := Open(o)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// serve serves store on a real Unix socket and returns a client for it.
func serve(t *testing.T, store *Store) *client {
	t.Helper()
	return serveHandler(t, NewHandler(store, nil))
}

// serveHandler serves h on a real Unix socket and returns a client for it.
func serveHandler(t *testing.T, h http.Handler) *client {
	t.Helper()
	dir, err := os.MkdirTemp("", "kbapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &client{t: t, c: UnixClient(sock, 10*time.Second), sock: sock}
}

type client struct {
	t    *testing.T
	c    *http.Client
	sock string
}

// do sends a request and returns the status and the decoded JSON body (nil if empty).
func (c *client) do(method, path, body string) (int, any) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://localhost"+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return resp.StatusCode, nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		c.t.Fatalf("%s %s: not JSON: %q", method, path, b)
	}
	return resp.StatusCode, v
}

// js renders v as compact JSON with sorted keys, for comparisons.
func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// expect checks a response's status and JSON.
func (c *client) expect(method, path, body string, status int, want string) any {
	c.t.Helper()
	got, v := c.do(method, path, body)
	if got != status {
		c.t.Fatalf("%s %s %s: status %d, want %d; body %s", method, path, body, got, status, js(v))
	}
	if want != "" {
		var w any
		if err := json.Unmarshal([]byte(want), &w); err != nil {
			c.t.Fatal(err)
		}
		if js(v) != js(w) {
			c.t.Fatalf("%s %s %s:\n got %s\nwant %s", method, path, body, js(v), js(w))
		}
	}
	return v
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[p] = string(b)
		} else if info.Mode()&os.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			out[p] = "-> " + l
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
