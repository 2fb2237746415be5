package yamlstrict

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func problemLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func TestDecodeValid(t *testing.T) {
	src := `schema-version: 1
release-version: 0.1.0
enabled: true
ratio: 2
small: -128
count: 65535
level: debug
sdk: &base
  name: my-sdk
  go-version: "1.26.8"
  packages: [a, b]
ptr:
  <<: *base
  name: other
vendors:
  core: *base
  "odd key":
    name: x
text: hello
custom: 7
wait: 90s
any: {a: [1, 2]}
tree: {name: root, children: [{name: leaf}]}
owner: me
`
	var c config
	doc, err := Decode("k.yaml", []byte(src), &c)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := config{
		SchemaVersion: 1, ReleaseVersion: "0.1.0", Enabled: true, Ratio: 2, Small: -128, Count: 65535,
		Level: "debug",
		SDK:   sdk{Name: "my-sdk", GoVersion: "1.26.8", Packages: []string{"a", "b"}},
		Ptr:   &sdk{Name: "other", GoVersion: "1.26.8", Packages: []string{"a", "b"}},
		Vendors: map[string]sdk{
			"core":    {Name: "my-sdk", GoVersion: "1.26.8", Packages: []string{"a", "b"}},
			"odd key": {Name: "x"},
		},
		Text: textVal{"hello"}, Custom: yamlVal{7}, Wait: 90 * time.Second,
		Any:    map[string]any{"a": []any{1, 2}},
		Tree:   &tree{Name: "root", Children: []tree{{Name: "leaf"}}},
		Common: Common{Owner: "me"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", c, want)
	}
	for field, line := range map[string]int{
		"schema-version": 1, "sdk": 8, "sdk.packages": 11, "sdk.packages[1]": 11,
		"ptr.name": 14, "ptr.go-version": 10, `vendors["odd key"].name`: 18,
		"vendors.core.missing": 16, "nowhere": 1, "owner": 24,
	} {
		if got, _ := doc.Pos(field); got != line {
			t.Errorf("Pos(%q) line = %d, want %d", field, got, line)
		}
	}
	if !doc.Has("sdk.name") || doc.Has("sdk.registry") {
		t.Errorf("Has: sdk.name=%v sdk.registry=%v", doc.Has("sdk.name"), doc.Has("sdk.registry"))
	}
}

func TestDecodeThreeProblemsThreeLines(t *testing.T) {
	src := "schema-version: x\nrelease-versoin: 1.0.0\nsdk:\n  name: [a]\n"
	var c config
	_, err := Decode("Kitbash.yaml", []byte(src), &c)
	if lines := problemLines(err); len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%v", len(lines), err)
	}
}

func TestDecodeAliasExpansionIsBounded(t *testing.T) {
	// Each anchor lists the previous one twice: 2^40 trees once expanded.
	var b strings.Builder
	b.WriteString("defs:\n  - &a0 {name: x}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  - &a%d {children: [*a%d, *a%d]}\n", i, i-1, i-1)
	}
	b.WriteString("tree: *a40\n")
	var deep struct {
		Defs []tree `yaml:"defs"`
		Tree tree   `yaml:"tree"`
	}
	_, err := Decode("k.yaml", []byte(b.String()), &deep)
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("err = %v", err)
	}
}

func TestDecodeRejectsBadTarget(t *testing.T) {
	var ps Problems
	for _, out := range []any{nil, config{}, new(int), (*config)(nil)} {
		_, err := Decode("k.yaml", []byte("a: 1"), out)
		if err == nil || errors.As(err, &ps) {
			t.Errorf("Decode into %T: err = %v, want a plain error", out, err)
		}
	}
}
