package graph

import (
	"errors"
	"strings"
	"testing"
)

func TestWriteText(t *testing.T) {
	g := sample(t)
	closed, err := g.BuildClosure("app")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := g.WriteText(&b, closed); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"bootstrap  build: -                 runtime: -\n" +
		"go-tools   build: bootstrap         runtime: libc\n" +
		"libbar     build: -                 runtime: libc, libfoo\n" +
		"libc       build: -                 runtime: -\n" +
		"libfoo     build: -                 runtime: libbar\n" +
		"app        build: go-tools, libfoo  runtime: libc\n"
	if b.String() != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	if err := g.WriteText(&b, []string{"c-library"}); err != nil || b.String() != "libc  build: -  runtime: -\n" {
		t.Errorf("WriteText(c-library) = %q, %v", b.String(), err)
	}
	b.Reset()
	if err := g.WriteText(&b, nil); err != nil || b.String() != "" {
		t.Errorf("WriteText(nil) = %q, %v", b.String(), err)
	}
}

func TestWriteDOT(t *testing.T) {
	g := sample(t)
	closed, err := g.BuildClosure("app")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := g.WriteDOT(&b, closed); err != nil {
		t.Fatal(err)
	}
	want := `digraph packages {
	node [shape=box];
	"app";
	"bootstrap";
	"go-tools";
	"libbar";
	"libc";
	"libfoo";
	"app" -> "go-tools";
	"app" -> "libfoo";
	"app" -> "libc" [style=dashed];
	"go-tools" -> "bootstrap";
	"go-tools" -> "libc" [style=dashed];
	"libbar" -> "libc" [style=dashed];
	"libbar" -> "libfoo" [style=dashed];
	"libfoo" -> "libbar" [style=dashed];
}
`
	if b.String() != want {
		t.Errorf("WriteDOT:\n%s\nwant:\n%s", b.String(), want)
	}

	// Edges leave the set only when their ends are in it.
	b.Reset()
	if err := g.WriteDOT(&b, []string{"app", "tool"}); err != nil {
		t.Fatal(err)
	}
	if want := "digraph packages {\n\tnode [shape=box];\n\t\"app\";\n\t\"tool\";\n}\n"; b.String() != want {
		t.Errorf("WriteDOT(app, tool):\n%s\nwant:\n%s", b.String(), want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	g := sample(t)
	if err := g.WriteText(failWriter{}, []string{"app"}); err == nil || err.Error() != "write the package graph: disk full" {
		t.Errorf("WriteText error %v", err)
	}
	if err := g.WriteDOT(failWriter{}, []string{"app"}); err == nil || err.Error() != "write the package graph as DOT: disk full" {
		t.Errorf("WriteDOT error %v", err)
	}
	if err := g.WriteText(&strings.Builder{}, []string{"nope"}); err == nil || !strings.HasPrefix(err.Error(), `unknown package "nope"`) {
		t.Errorf("WriteText unknown error %v", err)
	}
	if err := g.WriteDOT(&strings.Builder{}, []string{"nope"}); err == nil || !strings.HasPrefix(err.Error(), `unknown package "nope"`) {
		t.Errorf("WriteDOT unknown error %v", err)
	}
}
