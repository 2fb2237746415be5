package graph

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// specFile is the part of package.yaml the resolver reads.
type specFile struct {
	Name          string   `yaml:"name"`
	BuildRequires []string `yaml:"build-requires"`
	Requires      []string `yaml:"requires"`
	Provides      []string `yaml:"provides"`
}

// file is one package.yaml of a test: its folder under specs/ and its text.
type file struct{ dir, text string }

// decode returns the nodes of files, each decoded from specs/<dir>/package.yaml.
func decode(t *testing.T, files ...file) []Node {
	t.Helper()
	nodes := make([]Node, 0, len(files))
	for _, f := range files {
		var s specFile
		doc, err := yamlstrict.Decode("specs/"+f.dir+"/package.yaml", []byte(f.text), &s)
		if err != nil {
			t.Fatalf("decode %s: %v", f.dir, err)
		}
		nodes = append(nodes, Node{Name: s.Name, Doc: doc, BuildRequires: s.BuildRequires, Requires: s.Requires, Provides: s.Provides})
	}
	return nodes
}

// node returns a node without a Doc; the lists are space-separated names.
func node(name, build, runtime, provides string) Node {
	return Node{Name: name, BuildRequires: strings.Fields(build), Requires: strings.Fields(runtime), Provides: strings.Fields(provides)}
}

// mustResolve resolves nodes, failing the test on any problem.
func mustResolve(t *testing.T, nodes ...Node) *Graph {
	t.Helper()
	g, err := Resolve(nodes)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return g
}

// problemLines resolves nodes and returns the lines of its error (nil when none).
func problemLines(t *testing.T, nodes []Node) []string {
	t.Helper()
	g, err := Resolve(nodes)
	if err == nil {
		return nil
	}
	if g != nil {
		t.Errorf("Resolve returned a graph with an error")
	}
	var ps yamlstrict.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Resolve error is %T, want yamlstrict.Problems: %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}

// equalLines reports a difference between got and want, line by line.
func equalLines(t *testing.T, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("got %d lines:\n%s\nwant %d lines:\n%s", len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
}
