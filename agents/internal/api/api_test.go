package api

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTransactions(t *testing.T) {
	e := newEnv(t)
	c := serve(t, e.open(e.options()))
	c.expect("GET", "/v1/settings", "", 200, `{"motd": "Variant welcome", "net": {"mode": "dhcp", "mtu": 1500}, "ntp": {"enabled": true, "servers": ["pool.ntp.org"]}}`)

	// set: pending visible, committed unchanged
	c.expect("PATCH", "/v1/settings", `{"motd": "hi", "net": {"mtu": 9000}}`, 200, `{"motd": "hi", "net": {"mtu": 9000}}`)
	c.expect("PATCH", "/v1/settings", `{"kubernetes": {"labels": {"zone": "a"}}}`, 200,
		`{"motd": "hi", "net": {"mtu": 9000}, "kubernetes": {"labels": {"zone": "a"}}}`)
	c.expect("GET", "/v1/tx", "", 200, `{"motd": "hi", "net": {"mtu": 9000}, "kubernetes": {"labels": {"zone": "a"}}}`)
	c.expect("GET", "/v1/settings?keys=motd,net.mtu", "", 200, `{"motd": "Variant welcome", "net": {"mtu": 1500}}`)

	// commit
	c.expect("POST", "/v1/tx/commit", "", 200, `{"changed": ["kubernetes.labels", "motd", "net.mtu"]}`)
	c.expect("GET", "/v1/tx", "", 200, `{}`)
	c.expect("GET", "/v1/settings?keys=motd&keys=net", "", 200, `{"motd": "hi", "net": {"mode": "dhcp", "mtu": 9000}}`)
	c.expect("POST", "/v1/tx/commit", "", 200, `{"changed": []}`)

	// discard
	c.expect("PATCH", "/v1/settings", `{"net": {"mode": "static"}}`, 200, "")
	c.expect("DELETE", "/v1/tx", "", 204, "")
	c.expect("GET", "/v1/tx", "", 200, `{}`)
	c.expect("GET", "/v1/settings?keys=net.mode", "", 200, `{"net": {"mode": "dhcp"}}`)

	// null unsets: back to the variant default
	c.expect("PATCH", "/v1/settings", `{"motd": null}`, 200, `{"motd": null}`)
	c.expect("POST", "/v1/tx/commit", "", 200, `{"changed": ["motd"]}`)
	c.expect("GET", "/v1/settings?keys=motd", "", 200, `{"motd": "Variant welcome"}`)

	// a pending transaction and the committed settings survive a restart
	c.expect("PATCH", "/v1/settings", `{"ntp": {"enabled": false}}`, 200, "")
	c2 := serve(t, e.open(e.options()))
	c2.expect("GET", "/v1/tx", "", 200, `{"ntp": {"enabled": false}}`)
	c2.expect("GET", "/v1/settings?keys=net.mtu,kubernetes", "", 200, `{"net": {"mtu": 9000}, "kubernetes": {"labels": {"zone": "a"}}}`)
}

func TestValidationWritesNothing(t *testing.T) {
	e := newEnv(t)
	c := serve(t, e.open(e.options()))
	c.expect("PATCH", "/v1/settings", `{"motd": "pending"}`, 200, "")
	before := snapshot(t, e.root)
	if len(before) != 3 { // settings.json, pending.json, current
		t.Fatalf("datastore %v", before)
	}
	cases := []struct {
		body   string
		status int
		want   string
	}{
		{`{"motd": 5}`, 400, `{"errors": [{"path": "motd", "reason": "expected a string, got the number 5"}]}`},
		{`{"net": {"mode": "ppp", "mtu": 10}}`, 400, `{"errors": [
		   {"path": "net.mode", "reason": "\"ppp\" is not allowed (allowed: \"dhcp\", \"static\")"},
		   {"path": "net.mtu", "reason": "10 is less than the minimum 576"}]}`},
		{`{"motd": "ok", "nope": 1}`, 400, `{"errors": [{"path": "nope", "reason": "unknown setting"}]}`},
		{`{"net": {"speed": 1}}`, 400, `{"errors": [{"path": "net.speed", "reason": "unknown setting"}]}`},
		{`{"ntp": {"servers": ["a", 1]}}`, 400, `{"errors": [{"path": "ntp.servers[1]", "reason": "expected a string, got the number 1"}]}`},
		{`{"motd": "a"`, 400, ""},
		{`["motd"]`, 400, `{"errors": [{"path": "", "reason": "expected a JSON object of settings, got a list"}]}`},
		{`{"motd": "a", "motd": "b"}`, 400, `{"errors": [{"path": "", "reason": "invalid JSON: duplicate key \"motd\""}]}`},
		{" ", 400, ""},
		{`{"motd": "` + strings.Repeat("x", MaxBody) + `"}`, 413, ""},
	}
	for _, tc := range cases {
		c.expect("PATCH", "/v1/settings", tc.body, tc.status, tc.want)
	}
	c.expect("PATCH", "/v1/settings?dry=1", `{"motd": "x"}`, 400, "")
	req, _ := http.NewRequest("PATCH", "http://localhost/v1/settings", strings.NewReader(`{"motd": "x"}`))
	req.Header.Set("Content-Type", "text/plain")
	if resp, err := c.c.Do(req); err != nil || resp.StatusCode != 415 {
		t.Fatalf("text/plain: %v %v", resp, err)
	}
	c.expect("GET", "/v1/settings?keys=net,bogus", "", 400, `{"errors": [{"path": "bogus", "reason": "unknown setting"}]}`)
	c.expect("GET", "/v1/settings?key=net", "", 400, "")
	if after := snapshot(t, e.root); !reflect.DeepEqual(before, after) {
		t.Fatalf("datastore changed by bad requests:\n%v\n%v", before, after)
	}
	c.expect("GET", "/v1/tx", "", 200, `{"motd": "pending"}`)
}

func TestRoutes(t *testing.T) {
	e := newEnv(t)
	c := serve(t, e.open(e.options()))
	c.expect("POST", "/v1/settings", "{}", 405, `{"errors": [{"path": "", "reason": "POST /v1/settings: use GET or PATCH"}]}`)
	c.expect("GET", "/v1/tx/commit", "", 405, "")
	c.expect("GET", "/v2/anything", "", 404, `{"errors": [{"path": "", "reason": "no such endpoint /v2/anything"}]}`)
	c.expect("POST", "/v1/tx/commit?x=1", "", 400, "")
}

func TestApplyRendersAndRestartsAffected(t *testing.T) {
	e := newEnv(t)
	c := serve(t, e.open(e.options()))
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(e.etc, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// first apply: every file is new
	c.expect("POST", "/v1/tx/apply", "", 200, `{"rendered": ["/etc/motd", "/etc/net/net.conf", "/etc/chrony.conf"],
	  "restarted": ["chronyd", "motd-svc", "netd"]}`)
	if got := e.restarts.take(); !reflect.DeepEqual(got, []string{"chronyd", "motd-svc", "netd"}) {
		t.Fatalf("restarts %v", got)
	}
	if got := read("etc/net/net.conf"); got != "mtu=1500 mode=\"dhcp\"\n" {
		t.Fatalf("net.conf %q", got)
	}
	if got := read("etc/chrony.conf"); got != "server pool.ntp.org\n# mtu 1500\n" {
		t.Fatalf("chrony.conf %q", got)
	}
	if st, _ := os.Stat(filepath.Join(e.etc, "etc/net/net.conf")); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	// nothing changed: nothing restarted
	c.expect("POST", "/v1/tx/apply", "", 200, `{"rendered": [], "restarted": []}`)
	// a pending change is not applied
	c.expect("PATCH", "/v1/settings", `{"motd": "hello"}`, 200, "")
	c.expect("POST", "/v1/tx/apply", "", 200, `{"rendered": [], "restarted": []}`)
	// committed: only the motd service
	c.expect("POST", "/v1/tx/commit", "", 200, "")
	c.expect("POST", "/v1/tx/apply", "", 200, `{"rendered": ["/etc/motd"], "restarted": ["motd-svc"]}`)
	if got := read("etc/motd"); got != "hello\n" {
		t.Fatalf("motd %q", got)
	}
	// a setting two templates use restarts both services; a labels change none
	c.expect("PATCH", "/v1/settings", `{"net": {"mtu": 9000}, "kubernetes": {"labels": {"a": "b"}}}`, 200, "")
	c.expect("POST", "/v1/tx/commit", "", 200, "")
	c.expect("POST", "/v1/tx/apply", "", 200, `{"rendered": ["/etc/net/net.conf", "/etc/chrony.conf"], "restarted": ["chronyd", "netd"]}`)
	if got := e.restarts.take(); !reflect.DeepEqual(got, []string{"chronyd", "motd-svc", "netd"}) {
		t.Fatalf("restarts %v", got)
	}
	// a failed restart is reported (502) and retried at the next apply
	e.restarts.failing("chronyd")
	c.expect("PATCH", "/v1/settings", `{"ntp": {"servers": ["a", "b"]}}`, 200, "")
	c.expect("POST", "/v1/tx/commit", "", 200, "")
	c.expect("POST", "/v1/tx/apply", "", 502, `{"rendered": ["/etc/chrony.conf"], "restarted": [],
	  "errors": [{"path": "", "reason": "restart chronyd: unit failed"}]}`)
	e.restarts.failing()
	c.expect("POST", "/v1/tx/apply", "", 200, `{"rendered": [], "restarted": ["chronyd"]}`)
}

func TestApplyAtBootDoesNotRestart(t *testing.T) {
	e := newEnv(t)
	st := e.open(e.options())
	res, err := st.Apply(context.Background(), false)
	if err != nil || len(res.Rendered) != 3 || len(res.Restarted) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if res, err := st.Apply(context.Background(), true); err != nil || len(res.Restarted) != 0 {
		t.Fatalf("second apply %+v %v", res, err)
	}
	if got := e.restarts.take(); len(got) != 0 {
		t.Fatalf("restarted %v", got)
	}
}

func TestApplyTemplateErrorWritesNothing(t *testing.T) {
	e := newEnv(t)
	// a template reading a setting it did not declare in uses fails to render
	if err := os.WriteFile(e.schema.Templates()[0].Source, []byte("{{ .motd }} {{ .net.mtu }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := serve(t, e.open(e.options()))
	status, body := c.do("POST", "/v1/tx/apply", "")
	if status != 500 || !strings.Contains(js(body), "/etc/motd") {
		t.Fatalf("%d %s", status, js(body))
	}
	if _, err := os.Stat(e.etc); !os.IsNotExist(err) {
		t.Fatalf("files written: %v", err)
	}
}

func TestFirstBootUserData(t *testing.T) {
	e := newEnv(t)
	calls := 0
	o := e.options()
	o.UserData = func() (map[string]any, error) {
		calls++
		return map[string]any{"motd": "from user data", "net": map[string]any{"mtu": int64(1400)}}, nil
	}
	c := serve(t, e.open(o))
	c.expect("GET", "/v1/settings?keys=motd,net.mtu", "", 200, `{"motd": "from user data", "net": {"mtu": 1400}}`)
	c.expect("PATCH", "/v1/settings", `{"net": {"mtu": 1300}}`, 200, "")
	c.expect("POST", "/v1/tx/commit", "", 200, `{"changed": ["net.mtu"]}`)
	e.open(o) // not the first boot any more
	if calls != 1 {
		t.Fatalf("user data read %d times", calls)
	}
	if target, err := os.Readlink(filepath.Join(e.root, "current")); err != nil || target != "v1.0.0" {
		t.Fatalf("current -> %s %v", target, err)
	}

	// bad user data: nothing made, every problem named
	e2 := newEnv(t)
	o2 := e2.options()
	o2.UserData = func() (map[string]any, error) {
		return map[string]any{"motd": int64(1), "nope": "x"}, nil
	}
	_, err := Open(o2)
	if err == nil || !strings.Contains(err.Error(), "motd: expected a string") || !strings.Contains(err.Error(), "nope: unknown setting") {
		t.Fatalf("bad user data: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(e2.root, "current")); !os.IsNotExist(err) {
		t.Fatalf("current made: %v", err)
	}
}

func TestStaleValuesIgnored(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.root, "v1.0.0")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	doc := `{"schemaVersion": 1, "osVersion": "1.0.0", "settings": {"motd": "kept", "old": {"gone": 1}, "net": {"mtu": 99}}}`
	if err := os.WriteFile(filepath.Join(dir, "settings.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("v1.0.0", filepath.Join(e.root, "current")); err != nil {
		t.Fatal(err)
	}
	c := serve(t, e.open(e.options()))
	c.expect("GET", "/v1/settings?keys=motd,net.mtu", "", 200, `{"motd": "kept", "net": {"mtu": 1500}}`)
}

func TestInitRestarter(t *testing.T) {
	dir, err := os.MkdirTemp("", "kbinit")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "init.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.EscapedPath())
		if strings.Contains(r.URL.Path, "missing") {
			http.Error(w, "no such service", http.StatusNotFound)
		}
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	r := InitRestarter{Client: UnixClient(sock, 5*time.Second)}
	if err := r.Restart(context.Background(), "chronyd"); err != nil {
		t.Fatal(err)
	}
	err = r.Restart(context.Background(), "missing@x")
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "no such service") {
		t.Fatalf("error %v", err)
	}
	if want := []string{"POST /v1/services/chronyd/restart", "POST /v1/services/missing@x/restart"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("requests %v", got)
	}
}
