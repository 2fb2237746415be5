// Package graph is the one dependency resolver behind every verb (validate, graph, fetch,
// build). Resolve checks a set of package specs as a whole (duplicate names and provides,
// requirements that name no package, build cycles) and returns a Graph that answers, in
// a deterministic order, what a package needs to be built and what it needs at runtime.
//
// Two relations matter:
//
//   - build-requires: packages installed into the build sandbox of a package;
//   - requires: packages needed at runtime. They may be mutual (runtime cycles are fine).
//
// A build-require is installed with everything it requires at runtime, so the sandbox
// of a package holds its build-requires and their runtime closure (SandboxDeps). A
// package must be built after every package of its sandbox; Resolve rejects a set where
// that order does not exist.
package graph

import (
	"fmt"
	"path"
	"slices"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Node is one package spec as the resolver sees it.
type Node struct {
	Name          string
	Doc           *yamlstrict.Doc // where its fields were written (may be nil)
	BuildRequires []string        // names (or provided names) needed in the build sandbox
	Requires      []string        // runtime requirements (names or provided names)
	Provides      []string        // virtual names this package also answers to
}

// file returns the spec file of n: the one its Doc was decoded from, or else the
// conventional specs/<name>/package.yaml.
func (n Node) file() string {
	if f := n.Doc.File(); f != "" {
		return f
	}
	return path.Join("specs", n.Name, "package.yaml")
}

// problem returns a problem about field of n, located in its spec file.
func (n Node) problem(field, message, fix string) yamlstrict.Problem {
	p := n.Doc.Problem(field, message, fix)
	p.File = n.file()
	return p
}

// where names the position of field of n for a message: "specs/x/package.yaml:3", or the
// file alone when the line is unknown.
func (n Node) where(field string) string {
	line, _ := n.Doc.Pos(field)
	if line > 0 {
		return fmt.Sprintf("%s:%d", n.file(), line)
	}
	return n.file()
}

// Graph is a resolved, acyclic set of packages. It is immutable: every method returns
// fresh slices, sorted or in topological order with ties broken alphabetically.
//
// Every method that takes a package name also accepts a name the package provides.
type Graph struct {
	names   []string            // package names, sorted
	nodes   map[string]Node     // package name → its spec
	lookup  map[string]string   // package or provided name → package name
	build   map[string][]string // package → direct build-requires (package names, sorted)
	runtime map[string][]string // package → direct requires (package names, sorted)
	sandbox map[string][]string // package → SandboxDeps (sorted)
}

// Names returns every package name, sorted.
func (g *Graph) Names() []string { return slices.Clone(g.names) }

// Lookup returns the package that answers to name: the package called name, or the one
// that provides it.
func (g *Graph) Lookup(name string) (string, bool) {
	pkg, ok := g.lookup[name]
	return pkg, ok
}

// Node returns the spec of the package that answers to name.
func (g *Graph) Node(name string) (Node, bool) {
	pkg, ok := g.lookup[name]
	if !ok {
		return Node{}, false
	}
	return g.nodes[pkg], true
}

// BuildDeps returns the direct build-requires of name resolved to package names, sorted
// and without duplicates (nil for an unknown name).
func (g *Graph) BuildDeps(name string) []string { return slices.Clone(g.build[g.lookup[name]]) }

// RuntimeDeps returns the direct requires of name resolved to package names, sorted and
// without duplicates (nil for an unknown name).
func (g *Graph) RuntimeDeps(name string) []string { return slices.Clone(g.runtime[g.lookup[name]]) }

// SandboxDeps returns every package whose files are merged into the build sandbox of
// name: its build-requires and, transitively, everything they require at runtime;
// sorted (nil for an unknown name). They must all be built before name.
func (g *Graph) SandboxDeps(name string) []string { return slices.Clone(g.sandbox[g.lookup[name]]) }
