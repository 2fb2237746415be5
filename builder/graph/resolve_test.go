package graph

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const (
	dupFix     = `keep one spec named "x": rename or remove the others`
	cycleFixT  = "; fix: " + cycleFix
	sandboxFxT = "; fix: " + sandboxFix
)

// TestResolveProblems checks each kind of problem: its exact message, field, file and
// line, and that the result does not depend on the order of the specs.
func TestResolveProblems(t *testing.T) {
	cases := map[string]struct {
		files []file
		want  []string
	}{
		"defined twice": {
			files: []file{{"x", "name: x\n"}, {"x2", "name: x\n"}},
			want: []string{
				`specs/x/package.yaml:1: name: package "x" is defined twice: here and in specs/x2/package.yaml:1; fix: ` + dupFix,
				`specs/x2/package.yaml:1: name: package "x" is defined twice: here and in specs/x/package.yaml:1; fix: ` + dupFix,
			},
		},
		"defined three times": {
			files: []file{{"x", "name: x\n"}, {"x2", "name: x\n"}, {"x3", "# a comment\nname: x\n"}},
			want: []string{
				`specs/x/package.yaml:1: name: package "x" is defined 3 times: here and in specs/x2/package.yaml:1, specs/x3/package.yaml:2; fix: ` + dupFix,
				`specs/x2/package.yaml:1: name: package "x" is defined 3 times: here and in specs/x/package.yaml:1, specs/x3/package.yaml:2; fix: ` + dupFix,
				`specs/x3/package.yaml:2: name: package "x" is defined 3 times: here and in specs/x/package.yaml:1, specs/x2/package.yaml:1; fix: ` + dupFix,
			},
		},
		"provides a package's name": {
			files: []file{{"a", "name: a\nprovides:\n  - virt\n  - b\n"}, {"b", "name: b\n"}},
			want: []string{
				`specs/a/package.yaml:4: provides[1]: "b" is already the name of a package (specs/b/package.yaml:1); fix: remove it from provides and depend on package "b" by name, or rename one of them`,
			},
		},
		"provided twice": {
			files: []file{{"a", "name: a\nprovides:\n  - virt\n"}, {"c", "name: c\nprovides:\n  - other\n  - virt\n"}},
			want: []string{
				`specs/a/package.yaml:3: provides[0]: "virt" is also provided by package "c" (specs/c/package.yaml:4); fix: provide "virt" from one package only, and depend on the others by name`,
				`specs/c/package.yaml:4: provides[1]: "virt" is also provided by package "a" (specs/a/package.yaml:3); fix: provide "virt" from one package only, and depend on the others by name`,
			},
		},
		"provided three times": {
			files: []file{{"a", "name: a\nprovides: [v]\n"}, {"b", "name: b\nprovides: [v]\n"}, {"c", "name: c\nprovides: [v]\n"}},
			want: []string{
				`specs/a/package.yaml:2: provides[0]: "v" is also provided by packages "b" (specs/b/package.yaml:2), "c" (specs/c/package.yaml:2); fix: provide "v" from one package only, and depend on the others by name`,
				`specs/b/package.yaml:2: provides[0]: "v" is also provided by packages "a" (specs/a/package.yaml:2), "c" (specs/c/package.yaml:2); fix: provide "v" from one package only, and depend on the others by name`,
				`specs/c/package.yaml:2: provides[0]: "v" is also provided by packages "a" (specs/a/package.yaml:2), "b" (specs/b/package.yaml:2); fix: provide "v" from one package only, and depend on the others by name`,
			},
		},
		"missing, with suggestions": {
			files: []file{
				{"app", "name: app\nbuild-requires:\n  - libfoo\n  - libfo0\nrequires:\n  - libc\n"},
				{"libfoo", "name: libfoo\n"},
				{"glibc", "name: glibc\nprovides:\n  - libc6\n"},
			},
			want: []string{
				`specs/app/package.yaml:4: build-requires[1]: "libfo0" is not a package or provided by one; fix: did you mean "libfoo"? otherwise add specs/libfo0/package.yaml, or remove the entry`,
				`specs/app/package.yaml:6: requires[0]: "libc" is not a package or provided by one; fix: did you mean "glibc" or "libc6"? otherwise add specs/libc/package.yaml, or remove the entry`,
			},
		},
		"missing, nothing close": {
			files: []file{{"app", "name: app\nrequires:\n  - zzz-tools\n"}, {"apt", "name: apt\n"}},
			want: []string{
				`specs/app/package.yaml:3: requires[0]: "zzz-tools" is not a package or provided by one; fix: add specs/zzz-tools/package.yaml, or remove the entry`,
			},
		},
		"missing, not suggesting itself": {
			files: []file{{"ab", "name: ab\nrequires: [abc]\n"}},
			want: []string{
				`specs/ab/package.yaml:2: requires[0]: "abc" is not a package or provided by one; fix: add specs/abc/package.yaml, or remove the entry`,
			},
		},
		"self": {
			files: []file{{"a", "name: a\nbuild-requires:\n  - a\nrequires:\n  - virt\nprovides:\n  - virt\n"}},
			want: []string{
				`specs/a/package.yaml:3: build-requires[0]: package "a" build-requires itself; fix: remove it`,
				`specs/a/package.yaml:5: requires[0]: package "a" requires itself (it provides "virt"); fix: remove it`,
			},
		},
		"build-requires cycle, through a provided name": {
			files: []file{
				{"c", "name: c\nbuild-requires: [first]\n"},
				{"b", "name: b\nbuild-requires: [c]\n"},
				{"a", "name: a\nprovides: [first]\nbuild-requires:\n  - b\n"},
				{"r1", "name: r1\nrequires: [r2]\n"}, // runtime cycles are fine
				{"r2", "name: r2\nrequires: [r1]\n"},
			},
			want: []string{
				`specs/a/package.yaml:4: build-requires[0]: build-requires cycle: a -> b -> c -> a` + cycleFixT,
			},
		},
		"each cycle on its first package": {
			files: []file{
				{"a", "name: a\nbuild-requires: [b]\n"},
				{"b", "name: b\nbuild-requires:\n  - a\n  - c\n"},
				{"c", "name: c\nbuild-requires: [b]\n"},
			},
			want: []string{
				`specs/a/package.yaml:2: build-requires[0]: build-requires cycle: a -> b -> a` + cycleFixT,
				`specs/b/package.yaml:4: build-requires[1]: build-requires cycle: b -> c -> b` + cycleFixT,
			},
		},
		"two cycles through the same package": {
			files: []file{
				{"a", "name: a\nbuild-requires: [b]\n"},
				{"b", "name: b\nbuild-requires: [c, a]\n"},
				{"c", "name: c\nbuild-requires: [a]\n"},
			},
			want: []string{
				`specs/a/package.yaml:2: build-requires[0]: build-requires cycle: a -> b -> a` + cycleFixT,
				`specs/a/package.yaml:2: build-requires[0]: build-requires cycle: a -> b -> c -> a` + cycleFixT,
			},
		},
		"build-require that requires the package at runtime": {
			files: []file{{"x", "name: x\nbuild-requires: [b]\n"}, {"b", "name: b\nrequires: [x]\n"}},
			want: []string{
				`specs/x/package.yaml:2: build-requires[0]: build cycle through runtime requires: x -build-> b -runtime-> x` + sandboxFxT,
			},
		},
		"build cycle through runtime requires": {
			files: []file{
				{"a", "name: a\nbuild-requires:\n  - z\n  - b\n"},
				{"b", "name: b\nrequires: [c]\n"},
				{"c", "name: c\nbuild-requires: [a]\n"},
				{"z", "name: z\n"},
			},
			want: []string{
				`specs/a/package.yaml:4: build-requires[1]: build cycle through runtime requires: a -build-> b -runtime-> c -build-> a` + sandboxFxT,
			},
		},
		"all at once": {
			files: []file{
				{"zz", "name: zz\nrequires: [nope]\n"},
				{"b", "name: b\nbuild-requires: [a]\n"},
				{"a", "name: a\nbuild-requires: [b]\n"},
				{"m", "name: m\nprovides: [a]\n"},
			},
			want: []string{
				`specs/a/package.yaml:2: build-requires[0]: build-requires cycle: a -> b -> a` + cycleFixT,
				`specs/m/package.yaml:2: provides[0]: "a" is already the name of a package (specs/a/package.yaml:1); fix: remove it from provides and depend on package "a" by name, or rename one of them`,
				`specs/zz/package.yaml:2: requires[0]: "nope" is not a package or provided by one; fix: add specs/nope/package.yaml, or remove the entry`,
			},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			nodes := decode(t, c.files...)
			equalLines(t, problemLines(t, nodes), c.want)
			slices.Reverse(nodes)
			equalLines(t, problemLines(t, nodes), c.want)
		})
	}
}

// TestResolveWithoutDocs checks that nodes without a Doc are reported in their
// conventional file, and that nameless nodes and empty entries are skipped.
func TestResolveWithoutDocs(t *testing.T) {
	nodes := []Node{
		{},
		{Provides: []string{"a"}, Requires: []string{"nothing"}},
		{Name: "a", BuildRequires: []string{""}, Requires: []string{"", "nope"}, Provides: []string{""}},
	}
	equalLines(t, problemLines(t, nodes), []string{
		`specs/a/package.yaml: requires[1]: "nope" is not a package or provided by one; fix: add specs/nope/package.yaml, or remove the entry`,
	})
	g := mustResolve(t, nodes[:1]...)
	if got := g.Names(); len(got) != 0 {
		t.Errorf("Names of nameless nodes = %q", got)
	}
}

// TestResolveCycleLimit checks that a knot with many cycles lists maxCycles of them and
// says there are more.
func TestResolveCycleLimit(t *testing.T) {
	var names []string
	for i := range 7 {
		names = append(names, fmt.Sprintf("n%d", i))
	}
	var nodes []Node
	for _, n := range names {
		others := slices.DeleteFunc(slices.Clone(names), func(o string) bool { return o == n })
		nodes = append(nodes, node(n, strings.Join(others, " "), "", ""))
	}
	lines := problemLines(t, nodes)
	if len(lines) != maxCycles+1 {
		t.Fatalf("got %d problems, want %d:\n%s", len(lines), maxCycles+1, strings.Join(lines, "\n"))
	}
	want := "specs/n0/package.yaml: build-requires: more build-requires cycles among n0, n1, n2, n3, n4, n5, n6 (only the first 20 are listed)" + cycleFixT
	if lines[0] != want {
		t.Errorf("first line\n%s\nwant\n%s", lines[0], want)
	}
	if want := "specs/n0/package.yaml: build-requires[0]: build-requires cycle: n0 -> n1 -> n0" + cycleFixT; lines[1] != want {
		t.Errorf("second line\n%s\nwant\n%s", lines[1], want)
	}
}

// TestElementaryCycles checks Johnson's search on its own: every cycle once, from its
// smallest package.
func TestElementaryCycles(t *testing.T) {
	edges := map[string][]string{"a": {"b", "c"}, "b": {"a", "c"}, "c": {"a", "b"}}
	cycles, complete := elementaryCycles([]string{"a", "b", "c"}, edges, 100)
	var got []string
	for _, c := range cycles {
		got = append(got, strings.Join(c, ">"))
	}
	want := []string{"a>b", "a>b>c", "a>c", "a>c>b", "b>c"}
	if !complete || !slices.Equal(got, want) {
		t.Errorf("cycles %q (complete %v), want %q", got, complete, want)
	}
}
