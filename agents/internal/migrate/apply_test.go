package migrate

import (
	"reflect"
	"strings"
	"testing"
)

func mustFn(t *testing.T, s string) Fn {
	t.Helper()
	f, err := ParseFn(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFunctions(t *testing.T) {
	cases := []struct {
		fn      string
		in, out any
	}{
		{"to-string", 8080.0, "8080"},
		{"to-string", 1.5, "1.5"},
		{"to-string", true, "true"},
		{"to-int", "42", 42.0},
		{"to-int", -7.0, -7.0},
		{"lowercase", "AbC", "abc"},
		{"uppercase", "AbC", "ABC"},
		{`replace("-", "_")`, "a-b-c", "a_b_c"},
		{`split(",")`, "a,b", []any{"a", "b"}},
		{`split(",")`, "", []any{}},
		{`join(" ")`, []any{"a", "b"}, "a b"},
		{`map({"on": true, "off": false})`, "on", true},
		{`map({"1": "one"})`, 1.0, "one"},
		{`map({"x": {"n": 2}})`, "x", map[string]any{"n": 2.0}},
	}
	for _, c := range cases {
		got, err := mustFn(t, c.fn).Apply(c.in)
		if err != nil || !reflect.DeepEqual(got, c.out) {
			t.Errorf("%s(%v) = %#v, %v; want %#v", c.fn, c.in, got, err, c.out)
		}
	}
	fails := []struct {
		fn string
		in any
	}{
		{"to-string", []any{}}, {"to-int", "4x"}, {"to-int", 1.5}, {"lowercase", 3.0},
		{`join(",")`, []any{"a", 1.0}}, {`join(",")`, "a"}, {`map({"a": 1})`, "b"}, {`map({"a": 1})`, nil},
	}
	for _, c := range fails {
		if got, err := mustFn(t, c.fn).Apply(c.in); err == nil {
			t.Errorf("%s(%v) = %v, want an error", c.fn, c.in, got)
		}
	}
}

func TestApplyOps(t *testing.T) {
	in := map[string]any{"a": map[string]any{"b": "x", "keep": 1.0}, "n": "5", "s": "v"}
	ops := []Op{
		{Op: OpAdd, Key: "new.deep.key", Value: "d"},
		{Op: OpAdd, Key: "s", Value: "ignored: already set"},
		{Op: OpRename, From: "a.b", To: "c"},
		{Op: OpRename, From: "missing", To: "d"},
		{Op: OpTransform, Key: "n", Fn: mustFn(t, "to-int")},
		{Op: OpTransform, Key: "missing", Fn: mustFn(t, "to-int")},
		{Op: OpRemove, Key: "a.keep"},
		{Op: OpRemove, Key: "never.there"},
	}
	got, err := Apply(in, ops)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"new": map[string]any{"deep": map[string]any{"key": "d"}}, "s": "v", "c": "x", "n": 5.0}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if _, ok := in["a"].(map[string]any)["b"]; !ok {
		t.Fatal("input changed")
	}
	// Removing the deep key prunes the parents it leaves empty.
	back, err := Apply(got, []Op{{Op: OpRemove, Key: "new.deep.key"}})
	if err != nil || back["new"] != nil {
		t.Fatalf("%v %v", back, err)
	}
}

func TestApplyErrors(t *testing.T) {
	in := map[string]any{"a": "scalar", "b": 1.0, "c": 2.0}
	for _, c := range []struct {
		op   Op
		want string
	}{
		{Op{Op: OpAdd, Key: "a.x", Value: 1.0}, "[0] add a.x: a is a string, not an object"},
		{Op{Op: OpRename, From: "b", To: "c"}, "c is already set"},
		{Op{Op: OpTransform, Key: "a", Fn: mustFn(t, "to-int")}, `value "scalar": not an integer`},
	} {
		_, err := Apply(in, []Op{c.op})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v want %q", c.op, err, c.want)
		}
	}
}
