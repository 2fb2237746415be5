package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeErrors(t *testing.T) {
	v, _ := ParseVersion("1.1.0")
	cases := []struct{ in, want string }{
		{`{"forward": [], "backward": []}`, `f.json: missing field "schemaVersion"`},
		{`{"schemaVersion": 2, "forward": [], "backward": []}`, `field "schemaVersion": 2 is not supported`},
		{`{"schemaVersion": 1, "forward": []}`, `missing field "backward"`},
		{`{"schemaVersion": 1, "forward": [], "backward": [], "extra": 1}`, `unknown field "extra"`},
		{`{"schemaVersion": 1, "forward": [], "backward": []} {}`, `trailing data`},
		{`{"schemaVersion": 1, "forward": [{"op": "add", "key": "a"}], "backward": []}`, `forward[0]: add: missing field "value"`},
		{`{"schemaVersion": 1, "forward": [], "backward": [{"op":"remove","key":"a"},{"op": "remove", "key": "a", "fn": "lowercase"}]}`, `backward[1]: remove: field "fn" does not belong`},
		{`{"schemaVersion": 1, "forward": [{"op": "delete", "key": "a"}], "backward": []}`, `forward[0]: field "op": unknown operation "delete"`},
		{`{"schemaVersion": 1, "forward": [{"key": "a"}], "backward": []}`, `forward[0]: missing field "op"`},
		{`{"schemaVersion": 1, "forward": [{"op": "remove", "key": "a", "bogus": 1}], "backward": []}`, `forward[0]: unknown field "bogus"`},
		{`{"schemaVersion": 1, "forward": [{"op": "remove", "key": "a..b"}], "backward": []}`, `forward[0]: remove: field "key": key "a..b" has an empty segment`},
		{`{"schemaVersion": 1, "forward": [{"op": "rename", "from": "a", "to": "a.b"}], "backward": []}`, `overlap`},
		{`{"schemaVersion": 1, "forward": [{"op": "transform", "key": "a", "fn": "reverse"}], "backward": []}`, `forward[0]: transform: field "fn": unknown function "reverse"; fix: use one of`},
		{`{"schemaVersion": 1, "forward": [{"op": "transform", "key": "a", "fn": "replace(a,b)"}], "backward": []}`, `arguments must be JSON values`},
		{`{"schemaVersion": 1, "forward": [{"op": "transform", "key": "a", "fn": "replace(\"a\")"}], "backward": []}`, `replace takes 2 argument(s)`},
		{`{"schemaVersion": 1, "forward": [{"op": "transform", "key": "a", "fn": "split(1)"}], "backward": []}`, `argument 1 is number, want string`},
		{`{"schemaVersion": 1, "forward": [{"op": "transform", "key": "a", "fn": "lowercase()"}], "backward": []}`, `lowercase takes no arguments`},
		{`{"schemaVersion": 1, "forward": [{"op": "transform", "key": "a", "fn": "map([1])"}], "backward": []}`, `argument 1 is list, want object`},
		{`{"schemaVersion": 1, "forward": [{"op": "add", "key": "a", "value": }], "backward": []}`, `f.json: invalid character`},
	}
	for _, c := range cases {
		_, err := DecodeFile("f.json", v, []byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %q", c.in, err, c.want)
		}
	}
}

func TestDecodeNullValue(t *testing.T) {
	v, _ := ParseVersion("1.1.0")
	f, err := DecodeFile("f.json", v, []byte(`{"schemaVersion": 1, "forward": [{"op": "add", "key": "a", "value": null}], "backward": []}`))
	if err != nil || len(f.Forward) != 1 || f.Forward[0].Value != nil {
		t.Fatalf("%+v %v", f, err)
	}
}

func TestLoadDirErrors(t *testing.T) {
	ok := `{"schemaVersion": 1, "forward": [], "backward": []}`
	for files, want := range map[[2]string]string{
		{"1.1.json", ok}:       "file name is not <version>.json",
		{"1.1.0.json", "{"}:    "1.1.0.json: unexpected EOF",
		{"1.1.0+b.json", ok}:   "name the same version",
		{"01.1.0.json", ok}:    "bad number",
		{"1.1.0-rc.json", "x"}: "1.1.0-rc.json: invalid character",
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "1.1.0.json"), []byte(ok), 0o644)
		os.WriteFile(filepath.Join(dir, files[0]), []byte(files[1]), 0o644)
		_, err := LoadDir(dir)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v want %q", files, err, want)
		}
	}
	if _, err := LoadDir(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing directory: no error")
	}
}

func TestVersionOrder(t *testing.T) {
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "2.0.0"}
	for i := 1; i < len(order); i++ {
		a, err1 := ParseVersion(order[i-1])
		b, err2 := ParseVersion(order[i])
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if a.Compare(b) >= 0 || b.Compare(a) <= 0 {
			t.Errorf("%s should sort before %s", a, b)
		}
	}
	a, _ := ParseVersion("1.0.0+x")
	b, _ := ParseVersion("1.0.0+y")
	if a.Compare(b) != 0 {
		t.Error("build metadata compared")
	}
	for _, bad := range []string{"", "1", "1.0", "v1.0.0", "1.0.0.0", "1.01.0", "1.0.0-", "1.0.0-01", "1.0.0-a..b", "1.0.0+", "1.0.x"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
