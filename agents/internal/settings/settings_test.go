package settings

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testSchemaJSON declares one setting of every type and feature.
const testSchemaJSON = `{
  "settings": {
    "motd": {"type": "string", "default": "Welcome", "description": "login banner"},
    "net.mtu": {"type": "int", "default": 1500, "min": 576, "max": 9000},
    "net.mode": {"type": "string", "default": "dhcp", "allowed": ["dhcp", "static"]},
    "net.hostname": {"type": "string", "pattern": "[a-z0-9-]{1,63}"},
    "ntp.enabled": {"type": "bool", "default": true},
    "ntp.servers": {"type": "list-of-string", "default": ["pool.ntp.org"], "pattern": "[a-z0-9.-]+"},
    "kubernetes.labels": {"type": "map-of-string"},
    "log.level": {"type": "list-of-string", "allowed": ["debug", "info"]}
  },
  "templates": [
    {"source": "motd.tmpl", "dest": "/etc/motd", "uses": ["motd"], "restart": []},
    {"source": "/abs/net.tmpl", "dest": "/etc/net.conf", "mode": "0600", "uses": ["net.*", "motd"], "restart": ["netd"]}
  ]
}`

const variantJSON = `{"defaults": {"motd": "Hello from the variant", "net.mtu": 9000}}`

func testSchema(t testing.TB) *Schema {
	t.Helper()
	s, err := NewSchema(File{Path: "/d/10-base.json", Data: []byte(testSchemaJSON)},
		File{Path: "/d/90-variant.json", Data: []byte(variantJSON)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadSchemaDirectory(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"10-base.json": testSchemaJSON, "90-variant.json": variantJSON, "README": "not json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := LoadSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Keys()); got != 8 {
		t.Fatalf("%d keys", got)
	}
	tm := s.Templates()
	if tm[0].Source != filepath.Join(dir, "motd.tmpl") || tm[0].Mode != 0o644 || tm[1].Source != "/abs/net.tmpl" || tm[1].Mode != 0o600 {
		t.Fatalf("templates %+v", tm)
	}
	if want := []string{"motd", "net.hostname", "net.mode", "net.mtu"}; !reflect.DeepEqual(tm[1].Keys, want) {
		t.Fatalf("uses resolved to %v", tm[1].Keys)
	}
	if _, err := LoadSchema(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing directory accepted")
	}
}

func TestSchemaErrorsAllReported(t *testing.T) {
	bad := `{
  "settings": {
    "Bad.Key": {"type": "string"},
    "a": {"type": "string"},
    "a.b": {"type": "int", "default": "x"},
    "a.c": {"type": "int"},
    "c": {"type": "float"},
    "d": {"type": "string", "pattern": "("},
    "e": {"type": "bool", "min": 1},
    "f": {"type": "string", "allowed": [1]},
    "motd": {"type": "string"}
  },
  "defaults": {"nope": 1, "e2": true},
  "templates": [{"source": "x", "dest": "etc/x", "mode": "999", "uses": ["zzz.*"], "restart": ["a b"]}]
}`
	_, err := NewSchema(File{Path: "/d/10-base.json", Data: []byte(testSchemaJSON)}, File{Path: "/d/20-bad.json", Data: []byte(bad)})
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"Bad.Key: invalid key", "a.b: default", "c: unknown type", "d: pattern", "e: min and max",
		"f: allowed[0]", "motd: already declared by /d/10-base.json", "defaults: nope: unknown setting",
		"a: is both a setting and a prefix", "not a clean absolute", "mode \"999\"", "\"zzz.*\": no such setting",
		"invalid service name",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	for _, dup := range []string{`{"settings": {}, "settings": {}}`, `{"setings": {}}`, `[]`} {
		if _, err := NewSchema(File{Path: "x.json", Data: []byte(dup)}); err == nil {
			t.Errorf("%s accepted", dup)
		}
	}
}

func TestDecodeValidation(t *testing.T) {
	s := testSchema(t)
	cases := []struct{ in, path, reason string }{
		{`{"motd": 1}`, "motd", "expected a string, got the number 1"},
		{`{"net": {"mtu": "big"}}`, "net.mtu", "expected an integer, got a string"},
		{`{"net": {"mtu": 1.5}}`, "net.mtu", "expected a 64-bit integer"},
		{`{"net": {"mtu": 100}}`, "net.mtu", "less than the minimum 576"},
		{`{"net": {"mtu": 99999}}`, "net.mtu", "greater than the maximum 9000"},
		{`{"net": {"mode": "ppp"}}`, "net.mode", `"ppp" is not allowed (allowed: "dhcp", "static")`},
		{`{"net": {"hostname": "Bad_Host"}}`, "net.hostname", "does not match the pattern"},
		{`{"net": {"speed": 1}}`, "net.speed", "unknown setting"},
		{`{"nope": {}}`, "nope", "unknown setting"},
		{`{"net": 1}`, "net", "expected an object"},
		{`{"ntp": {"servers": ["ok", 2]}}`, "ntp.servers[1]", "expected a string"},
		{`{"ntp": {"servers": "a"}}`, "ntp.servers", "expected a list of strings"},
		{`{"kubernetes": {"labels": {"a": 1}}}`, "kubernetes.labels.a", "expected a string"},
		{`{"log": {"level": ["warn"]}}`, "log.level[0]", "not allowed"},
		{`{"motd": null}`, "motd", "null is not a value here"},
		{`{"net.mtu": 1500}`, "net.mtu", "invalid name"},
		{`{"motd": "a", "motd": "b"}`, "", "duplicate key"},
		{`{"motd": "a"} {}`, "", "after the JSON value"},
		{`["motd"]`, "", "expected a JSON object"},
		{"{\"motd\": \"\xff\"}", "", "UTF-8"},
		{strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40), "", "nested more than"},
		{`{"motd": `, "", "unexpected"},
	}
	for _, c := range cases {
		_, ps := s.Decode([]byte(c.in), false)
		if len(ps) == 0 {
			t.Errorf("%s: accepted", c.in)
			continue
		}
		if ps[0].Path != c.path || !strings.Contains(ps[0].Reason, c.reason) {
			t.Errorf("%s: got %+v, want %s: %s", c.in, ps, c.path, c.reason)
		}
	}
	// every problem is reported, not only the first
	_, ps := s.Decode([]byte(`{"motd": 1, "net": {"mtu": 1, "mode": "x"}, "zzz": 1}`), false)
	if len(ps) != 4 {
		t.Fatalf("%d problems: %v", len(ps), ps)
	}
}

func TestDecodeCanonical(t *testing.T) {
	s := testSchema(t)
	v, ps := s.Decode([]byte(`{"motd": "hi", "net": {"mtu": 9000, "hostname": null},
	  "ntp": {"enabled": false, "servers": []}, "kubernetes": {"labels": {"k.io/x": "y"}}}`), true)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	want := Values{"motd": "hi", "net.mtu": int64(9000), "net.hostname": nil, "ntp.enabled": false,
		"ntp.servers": []string{}, "kubernetes.labels": map[string]string{"k.io/x": "y"}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
	tree := ToTree(v)
	back, ps := s.FromTree(tree, true)
	if len(ps) > 0 || !reflect.DeepEqual(back, want) {
		t.Fatalf("round trip %#v %v", back, ps)
	}
	// numbers from encoding/json defaults (float64) are accepted when integral
	if got, ps := s.FromTree(map[string]any{"net": map[string]any{"mtu": float64(1400)}}, false); len(ps) > 0 || got["net.mtu"] != int64(1400) {
		t.Fatalf("float64 mtu: %v %v", got, ps)
	}
}

func TestMergeOrder(t *testing.T) {
	s := testSchema(t)
	user := Values{"net.mtu": int64(1400), "ntp.enabled": false}
	committed := Values{"net.mtu": int64(1300), "net.mode": "static"}
	pending := Values{"net.mode": nil, "motd": "pending"}
	got := Merge(s.Defaults(), s.VariantDefaults(), user, committed, pending)
	want := Values{"motd": "pending", "net.mtu": int64(1300), "ntp.enabled": false,
		"ntp.servers": []string{"pool.ntp.org"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	if m := Merge(s.Defaults(), s.VariantDefaults()); m["motd"] != "Hello from the variant" || m["net.mtu"] != int64(9000) {
		t.Fatalf("variant defaults: %v", m)
	}
	if c := Changed(Values{"a": "1", "b": "2"}, Values{"b": "3", "c": "4"}); !reflect.DeepEqual(c, []string{"a", "b", "c"}) {
		t.Fatalf("changed %v", c)
	}
	if o := Overlay(Values{"a": "1"}, Values{"a": nil}); len(o) != 1 || o["a"] != nil {
		t.Fatalf("overlay %v", o)
	}
}

func TestResolve(t *testing.T) {
	s := testSchema(t)
	for sel, want := range map[string][]string{
		"motd":  {"motd"},
		"net":   {"net.hostname", "net.mode", "net.mtu"},
		"net.*": {"net.hostname", "net.mode", "net.mtu"},
	} {
		got, err := s.Resolve(sel)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v %v", sel, got, err)
		}
	}
	for _, sel := range []string{"ne", "motd.*", "net.mtu.x", "", "*"} {
		if _, err := s.Resolve(sel); err == nil {
			t.Errorf("%q resolved", sel)
		}
	}
}
