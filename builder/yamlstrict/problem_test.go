package yamlstrict

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "Kitbash.yaml", Line: 7, Field: "sdk.go-version", Message: "expected a string, got a mapping", Fix: `write it as a quoted string, e.g. "1.26.8"`},
			`Kitbash.yaml:7: sdk.go-version: expected a string, got a mapping; fix: write it as a quoted string, e.g. "1.26.8"`},
		{Problem{File: "a.yaml", Field: "x", Message: "bad"}, "a.yaml: x: bad"},
		{Problem{Line: 3, Message: "bad"}, "line 3: bad"},
		{Problem{File: "a.yaml", Line: 2, Field: "sdk.name", Message: `missing required field "sdk.name"`}, `a.yaml:2: missing required field "sdk.name"`},
		{Problem{File: "a.yaml", Line: 2, Message: "two\n  lines", Fix: "a\nb"}, "a.yaml:2: two lines; fix: a b"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestProblemsSortedAndDeduplicated(t *testing.T) {
	var ps Problems
	if ps.Err() != nil {
		t.Fatal("empty Problems must give a nil error")
	}
	ps.Add(Problem{File: "b", Line: 1, Message: "m"})
	ps.Add(Problem{File: "a", Line: 9, Field: "z", Message: "m"})
	ps.Add(Problem{File: "a", Line: 2, Field: "y", Message: "m"})
	ps.Add(Problem{File: "a", Line: 2, Field: "x", Message: "m"})
	ps.Add(Problem{File: "a", Line: 2, Field: "x", Message: "m"})
	want := "b:1: m\na:2: x: m\na:2: y: m\na:9: z: m"
	if got := ps.Err().Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if len(ps) != 5 {
		t.Error("Err must not modify the receiver")
	}
}

func TestCombine(t *testing.T) {
	decode := Problems{
		{File: "k", Line: 2, Field: "sdk", Message: "expected a mapping"},
		{File: "k", Line: 5, Field: "kits[0].name", Message: "missing"},
	}
	validate := Problems{
		{File: "k", Line: 2, Field: "sdk.name", Message: "empty"},     // under sdk: dropped
		{File: "k", Line: 5, Field: "kits[0].name", Message: "empty"}, // same field: dropped
		{File: "k", Line: 5, Field: "kits[0]", Message: "dup"},        // parent: kept
		{File: "k", Line: 9, Field: "sdkx", Message: "kept"},          // not under sdk
		{File: "other", Line: 2, Field: "sdk.name", Message: "other file"},
	}
	got := Combine(decode, nil, validate)
	want := "k:2: sdk: expected a mapping\nk:5: kits[0]: dup\nk:5: kits[0].name: missing\nk:9: sdkx: kept\nother:2: sdk.name: other file"
	if got == nil || got.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", got, want)
	}
	if Combine(nil, nil) != nil {
		t.Error("Combine of nils must be nil")
	}
	syntax := Problems{{File: "k", Line: 1, Message: "invalid YAML"}}
	if got := Combine(syntax, validate[:1]); strings.Count(got.Error(), "\n") != 0 {
		t.Errorf("a whole-file problem must cover everything: %v", got)
	}
	plain := errors.New("disk on fire")
	got = Combine(fmt.Errorf("wrapped: %w", decode), plain)
	var ps Problems
	if !errors.Is(got, plain) || !errors.As(got, &ps) || len(ps) != 2 {
		t.Errorf("Combine with a plain error = %v", got)
	}
}

func TestDocPos(t *testing.T) {
	var c config
	doc, err := Decode("k.yaml", []byte("\n\nschema-version: 1\nvendors:\n  \"a.b\":\n    name: x\n    packages:\n      - p\n"), &c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		field     string
		line, col int
	}{
		{"", 3, 1},
		{"vendors", 4, 1},
		{`vendors["a.b"]`, 5, 3},
		{`vendors["a.b"].packages[0]`, 8, 9},
		{`vendors["a.b"].packages[7]`, 7, 5},
		{`vendors["a.b"].nothing.deeper`, 5, 3},
		{"unknown", 3, 1},
	} {
		if l, c := doc.Pos(tt.field); l != tt.line || c != tt.col {
			t.Errorf("Pos(%q) = %d:%d, want %d:%d", tt.field, l, c, tt.line, tt.col)
		}
	}
	p := doc.Problem(`vendors["a.b"].name`, "msg", "fix")
	if want := (Problem{File: "k.yaml", Line: 6, Column: 5, Field: `vendors["a.b"].name`, Message: "msg", Fix: "fix"}); p != want {
		t.Errorf("Problem = %+v, want %+v", p, want)
	}
	var nilDoc *Doc
	if l, c := nilDoc.Pos("x"); l != 0 || c != 0 || nilDoc.File() != "" || nilDoc.Has("x") {
		t.Error("nil Doc must be usable")
	}
	if got := nilDoc.Problem("x", "m", "").Error(); got != "x: m" {
		t.Errorf("nil Doc problem = %q", got)
	}
}

func TestPathHelpers(t *testing.T) {
	for _, tt := range []struct{ parent, key, want string }{
		{"", "sdk", "sdk"}, {"sdk", "name", "sdk.name"}, {"vendors", "a b", `vendors["a b"]`}, {"", "", `[""]`},
	} {
		if got := Join(tt.parent, tt.key); got != tt.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tt.parent, tt.key, got, tt.want)
		}
		if got := parent(tt.want); got != tt.parent {
			t.Errorf("parent(%q) = %q, want %q", tt.want, got, tt.parent)
		}
	}
	if got := parent(`a["x[\"]"]`); got != "a" {
		t.Errorf("parent of quoted key with brackets = %q", got)
	}
	if got := Index("sdk.packages", 2); got != "sdk.packages[2]" || parent(got) != "sdk.packages" {
		t.Errorf("Index = %q", got)
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"schema-version", "release-version", "sdk", "kits"}
	for in, want := range map[string]string{
		"relase-version": "release-version", "Release_Version": "release-version", "sdks": "sdk",
		"kit": "kits", "vendors": "", "x": "", "schemaversion": "schema-version",
	} {
		if got := suggest(in, names); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
