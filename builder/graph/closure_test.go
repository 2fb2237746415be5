package graph

import (
	"slices"
	"strings"
	"testing"
)

// sample is a small valid project:
//
//	app       build-requires go-tools, libfoo (also as foo-virt); requires libc
//	go-tools  build-requires bootstrap; requires libc
//	libfoo    provides foo-virt; requires libbar
//	libbar    requires libfoo, c-library (provided by libc): a runtime cycle
//	libc      provides c-library
//	bootstrap, tool (unused)
func sample(t *testing.T) *Graph {
	t.Helper()
	return mustResolve(t,
		node("libbar", "", "libfoo c-library", ""),
		node("app", "libfoo go-tools foo-virt", "libc", ""),
		node("go-tools", "bootstrap", "libc", ""),
		node("libfoo", "", "libbar", "foo-virt"),
		node("libc", "", "", "c-library"),
		node("bootstrap", "", "", ""),
		node("tool", "", "", ""),
	)
}

func TestAccessors(t *testing.T) {
	g := sample(t)
	checks := []struct {
		what      string
		got, want []string
	}{
		{"Names", g.Names(), []string{"app", "bootstrap", "go-tools", "libbar", "libc", "libfoo", "tool"}},
		{"BuildDeps(app)", g.BuildDeps("app"), []string{"go-tools", "libfoo"}},
		{"RuntimeDeps(app)", g.RuntimeDeps("app"), []string{"libc"}},
		{"RuntimeDeps(libbar)", g.RuntimeDeps("libbar"), []string{"libc", "libfoo"}},
		{"RuntimeDeps(foo-virt)", g.RuntimeDeps("foo-virt"), []string{"libbar"}},
		{"SandboxDeps(app)", g.SandboxDeps("app"), []string{"go-tools", "libbar", "libc", "libfoo"}},
		{"SandboxDeps(go-tools)", g.SandboxDeps("go-tools"), []string{"bootstrap"}},
		{"SandboxDeps(libc)", g.SandboxDeps("libc"), nil},
		{"BuildDeps(unknown)", g.BuildDeps("unknown"), nil},
	}
	for _, c := range checks {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if n, ok := g.Node("c-library"); !ok || n.Name != "libc" {
		t.Errorf("Node(c-library) = %+v, %v; want libc", n, ok)
	}
	if _, ok := g.Node("nope"); ok {
		t.Error("Node(nope) found")
	}
	if pkg, ok := g.Lookup("foo-virt"); !ok || pkg != "libfoo" {
		t.Errorf("Lookup(foo-virt) = %q, %v", pkg, ok)
	}
	names := g.Names()
	names[0] = "changed"
	if g.Names()[0] != "app" {
		t.Error("Names shares its slice with the graph")
	}
}

func TestClosures(t *testing.T) {
	g := sample(t)
	cases := []struct {
		what  string
		names []string
		build bool
		want  []string
	}{
		// libbar and libc are in the sandbox of app as runtime requirements of libfoo and
		// go-tools; bootstrap is needed to build go-tools. Build order: each after its
		// sandbox, ties alphabetical.
		{"build app", []string{"app"}, true, []string{"bootstrap", "go-tools", "libbar", "libc", "libfoo", "app"}},
		{"build by provided name", []string{"foo-virt", "libfoo"}, true, []string{"libfoo"}},
		{"build two", []string{"tool", "go-tools"}, true, []string{"bootstrap", "go-tools", "tool"}},
		{"build nothing", nil, true, nil},
		{"runtime app", []string{"app"}, false, []string{"app", "libc"}},
		{"runtime through a cycle", []string{"foo-virt"}, false, []string{"libbar", "libc", "libfoo"}},
	}
	for _, c := range cases {
		closure := g.RuntimeClosure
		if c.build {
			closure = g.BuildClosure
		}
		got, err := closure(c.names...)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, %v; want %q", c.what, got, err, c.want)
		}
	}
}

func TestClosureUnknown(t *testing.T) {
	g := sample(t)
	_, err := g.BuildClosure("app", "x", "libfo", "x")
	want := `unknown package "x"; fix: use one of: app, bootstrap, go-tools, libbar, libc, libfoo, tool` + "\n" +
		`unknown package "libfo"; fix: did you mean "libfoo"? otherwise use one of: app, bootstrap, go-tools, libbar, libc, libfoo, tool`
	if err == nil || err.Error() != want {
		t.Errorf("BuildClosure error\n%v\nwant\n%s", err, want)
	}
	if _, err := g.RuntimeClosure("nope"); err == nil || !strings.HasPrefix(err.Error(), `unknown package "nope"; fix: use one of: app,`) {
		t.Errorf("RuntimeClosure error %v", err)
	}
	empty := mustResolve(t)
	if _, err := empty.BuildClosure("a"); err == nil || err.Error() != `unknown package "a"; fix: add specs/a/package.yaml (there are no packages yet)` {
		t.Errorf("empty graph error %v", err)
	}
}

func TestLevels(t *testing.T) {
	g := sample(t)
	closed, err := g.BuildClosure("app", "tool")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		names []string
		want  string
	}{
		{closed, "bootstrap libbar libc libfoo tool | go-tools | app"},
		{[]string{"app", "libfoo", "go-tools", "unknown"}, "go-tools libfoo | app"}, // bootstrap is not in the set
		{[]string{"libc", "c-library"}, "libc"},
		{nil, ""},
	}
	for _, c := range cases {
		var levels []string
		for _, l := range g.Levels(c.names) {
			levels = append(levels, strings.Join(l, " "))
		}
		if got := strings.Join(levels, " | "); got != c.want {
			t.Errorf("Levels(%q) = %q, want %q", c.names, got, c.want)
		}
	}
}

// TestOrderIndependent checks that the graph does not depend on the order of the specs.
func TestOrderIndependent(t *testing.T) {
	nodes := []Node{
		node("d", "b c", "", ""),
		node("c", "a", "", ""),
		node("b", "a", "", ""),
		node("a", "", "", ""),
		node("e", "", "", ""),
	}
	want := []string{"a", "b", "c", "d", "e"}
	for range 2 {
		g := mustResolve(t, nodes...)
		got, err := g.BuildClosure(g.Names()...)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("BuildClosure = %q, %v; want %q", got, err, want)
		}
		slices.Reverse(nodes)
	}
}
