package graph

import (
	"slices"
	"testing"
)

func TestSuggest(t *testing.T) {
	known := []string{"glibc", "go-tools", "libc6", "libfoo", "libfoo2", "musl", "xz"}
	cases := map[string][]string{
		"libfoo":   {"libfoo"},         // exact
		"LIBFOO":   {"libfoo"},         // case
		"go_tools": {"go-tools"},       // '_' for '-'
		"libc":     {"glibc", "libc6"}, // all at the smallest distance
		"libfo":    {"libfoo"},         // 1 beats 2
		"qqqq":     nil,                // nothing close
		"mu":       {"musl"},
		"ab":       nil,                   // "xz" is within 2 edits, but so is any two-letter name
		"libfoo3":  {"libfoo", "libfoo2"}, // ties sorted
	}
	for name, want := range cases {
		if got := suggest(name, known); !slices.Equal(got, want) {
			t.Errorf("suggest(%q) = %q, want %q", name, got, want)
		}
	}
	if got := orList([]string{"a", "b", "c"}); got != `"a", "b" or "c"` {
		t.Errorf("orList = %s", got)
	}
}
