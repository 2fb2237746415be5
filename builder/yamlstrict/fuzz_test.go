package yamlstrict

import (
	"errors"
	"strings"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"",
		"schema-version: 1\nsdk: {name: x, packages: [a, b]}\n",
		"schema-version: x\nbogus: 1\nsdk:\n  go-version: {a: 1}\n",
		"tree: &t {name: a, children: [*t, *t]}\n",
		"base: &b {name: x}\nptr: {<<: [*b, *b], name: y}\nvendors: {a: *b, a: *b}\n",
		"- a\n- b\n",
		"a: [\n",
		"small: 300\ncount: -1\nwait: 5s\ntext: bad\ncustom: {a: 1}\nany: &x [*x]\n",
		"---\nschema-version: 1\n---\nmore: 1\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c config
		doc, err := Decode("f.yaml", data, &c)
		if doc == nil {
			t.Fatal("nil Doc")
		}
		if err == nil {
			return
		}
		var ps Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("error is not a non-empty Problems: %v", err)
		}
		for _, p := range ps {
			if line := p.Error(); strings.ContainsAny(line, "\r\n") || p.Message == "" {
				t.Fatalf("bad problem line %q", line)
			}
		}
	})
}
