package service

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseDefaults(t *testing.T) {
	s, err := Parse("/svc/containerd.json", []byte(`{"command": ["/usr/bin/containerd"], "after": ["settings"], "required": true}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "containerd" || s.Restart != RestartOnFailure || s.Ready.Kind != ReadyStart || s.RestartDelay() != DefaultRestartDelay {
		t.Fatalf("defaults not filled: %+v", s)
	}
	o, err := Parse("/svc/migrate.json", []byte(`{"command": ["/usr/bin/migrator"], "oneshot": true, "restartDelayMs": 20}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.Ready.Kind != ReadyExit || o.RestartDelay() != 20*time.Millisecond {
		t.Fatalf("oneshot defaults: %+v", o)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ file, content, want string }{
		{"a.json", `{"command": ["/bin/a"], "bogus": 1}`, `a.json: unknown field "bogus"; known fields: command,`},
		{"a.json", "{\n\"command\": \"/bin/a\"}", `a.json:2: command: got a JSON string, want an array of strings`},
		{"a.json", "{\"command\": [\"/bin/a\"],\n \"ready\": {\"kind\": 3}}", `a.json:2: ready.kind: got a JSON number, want a string`},
		{"a.json", `{"command": ["/bin/a"], "restartDelayMs": "5"}`, `a.json:1: restartDelayMs: got a JSON string, want an integer`},
		{"a.json", "{\"command\": [\"/bin/a\"],\n,}", `a.json:2: invalid JSON`},
		{"a.json", `{"command": ["/bin/a"]} {}`, `a.json:1: unexpected data after the JSON object`},
		{"a.json", ``, `a.json: empty file`},
		{"a.json", `[]`, `a.json:1: a service file is a JSON object, not array`},
		{"a.json", `{}`, `a.json: command: missing`},
		{"a.json", `{"command": ["a"]}`, `a.json: command: "a" is not an absolute path`},
		{"a.json", `{"command": ["/a"], "restart": "sometimes"}`, `a.json: restart: "sometimes" is not one of always, on-failure, never`},
		{"a.json", `{"command": ["/a"], "restartDelayMs": -1}`, `a.json: restartDelayMs: -1 is negative`},
		{"a.json", `{"command": ["/a"], "user": "root"}`, `a.json: user: "root" is not uid:gid`},
		{"a.json", `{"command": ["/a"], "user": "0:x"}`, `a.json: user: "0:x" is not uid:gid with decimal numbers`},
		{"a.json", `{"command": ["/a"], "after": ["a"]}`, `a.json: after[0]: a service cannot depend on itself`},
		{"a.json", `{"command": ["/a"], "requires": ["b", "b"]}`, `a.json: requires[1]: "b" is listed twice`},
		{"a.json", `{"command": ["/a"], "after": ["B!"]}`, `a.json: after[0]: "B!" is not a service name`},
		{"a.json", `{"command": ["/a"], "env": {"A=B": "c"}}`, `a.json: env: "A=B" is not a variable name`},
		{"a.json", `{"command": ["/a"], "ready": {"kind": "file"}}`, `a.json: ready.path: kind "file" needs an absolute path`},
		{"a.json", `{"command": ["/a"], "ready": {"kind": "start", "path": "/x"}}`, `a.json: ready.path: not used with kind "start"`},
		{"a.json", `{"command": ["/a"], "ready": {"kind": "dbus"}}`, `a.json: ready.kind: "dbus" is not one of start, file, socket, exit`},
		{"a.json", `{"command": ["/a"], "ready": {"kind": "exit"}}`, `a.json: ready.kind: "exit" is for oneshot services`},
		{"a.json", `{"command": ["/a"], "oneshot": true, "ready": {"kind": "start"}}`, `a.json: ready.kind: a oneshot service is ready when it exits`},
		{"a.json", `{"command": ["/a"], "oneshot": true, "restart": "always"}`, `a.json: restart: "always" restarts a oneshot service forever`},
		{"Bad Name.json", `{"command": ["/a"]}`, `Bad Name.json: name: "Bad Name" is not a service name`},
	} {
		_, err := Parse("/svc/"+tc.file, []byte(tc.content))
		if err == nil || !strings.Contains(err.Error(), "/svc/"+tc.want) {
			t.Errorf("Parse(%s) error = %v\nwant it to contain %q", tc.content, err, "/svc/"+tc.want)
		}
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse("/svc/a.json", []byte(`{"command": ["a"], "restart": "x", "user": "u"}`))
	if err == nil || strings.Count(err.Error(), "/svc/a.json: ") != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func names(svcs []*Service) string {
	var n []string
	for _, s := range svcs {
		n = append(n, s.Name)
	}
	return strings.Join(n, " ")
}

func TestLoadOrders(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"containerd.json": `{"command": ["/c"], "after": ["settings"], "requires": ["net"]}`,
		"settings.json":   `{"command": ["/s"], "after": ["migrate"]}`,
		"migrate.json":    `{"command": ["/m"], "oneshot": true}`,
		"net.json":        `{"command": ["/n"]}`,
		"README":          `not a service`,
	})
	svcs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(svcs); got != "migrate net settings containerd" {
		t.Fatalf("order = %s", got)
	}
}

func TestLoadMissingDepsAndCycles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.json": `{"command": ["/a"], "after": ["ghost"]}`,
		"b.json": `{"command": ["/b"], "requires": ["phantom"]}`,
	})
	_, err := Load(dir)
	for _, want := range []string{
		filepath.Join(dir, "a.json") + `: after[0]: "ghost" is not a service (no ` + filepath.Join(dir, "ghost.json") + ")",
		filepath.Join(dir, "b.json") + `: requires[0]: "phantom" is not a service`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v\nwant %q", err, want)
		}
	}
	dir = writeFiles(t, map[string]string{
		"a.json": `{"command": ["/a"], "after": ["b"]}`,
		"b.json": `{"command": ["/b"], "requires": ["c"]}`,
		"c.json": `{"command": ["/c"], "after": ["a"]}`,
		"d.json": `{"command": ["/d"]}`,
	})
	_, err = Load(dir)
	p := func(n string) string { return filepath.Join(dir, n+".json") }
	want := "dependency cycle: " + p("a") + " -> " + p("b") + " -> " + p("c") + " -> " + p("a")
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v\nwant %q", err, want)
	}
	dir = writeFiles(t, map[string]string{"a.json": `{"command": ["/a"], "bogus": true}`, "b.json": `{}`})
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "a.json: unknown field") || !strings.Contains(err.Error(), "b.json: command: missing") {
		t.Fatalf("want both files' problems, got %v", err)
	}
}

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		first, limit time.Duration
		failures     int
		want         time.Duration
	}{
		{500 * ms, 30 * time.Second, 0, 500 * ms},
		{500 * ms, 30 * time.Second, 1, time.Second},
		{500 * ms, 30 * time.Second, 3, 4 * time.Second},
		{500 * ms, 30 * time.Second, 100, 30 * time.Second},
		{time.Minute, 30 * time.Second, 5, time.Minute},
	} {
		if got := backoff(tc.first, tc.limit, tc.failures); got != tc.want {
			t.Errorf("backoff(%v, %v, %d) = %v, want %v", tc.first, tc.limit, tc.failures, got, tc.want)
		}
	}
}
