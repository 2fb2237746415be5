package graph

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteText writes the named packages for people, one line per package in build order,
// with its direct build-requires and requires (all of them, in the set or not), the
// columns aligned:
//
//	glibc    build: -           runtime: -
//	zlib     build: -           runtime: glibc
//	openssl  build: perl, zlib  runtime: glibc, zlib
func (g *Graph) WriteText(w io.Writer, names []string) error {
	pkgs, err := g.resolve(names)
	if err != nil {
		return err
	}
	type row struct{ name, build, runtime string }
	var rows []row
	nameWidth, buildWidth := 0, 0
	for _, pkg := range g.order(pkgs) {
		r := row{pkg, list(g.build[pkg]), list(g.runtime[pkg])}
		nameWidth, buildWidth = max(nameWidth, len(r.name)), max(buildWidth, len(r.build))
		rows = append(rows, r)
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  build: %-*s  runtime: %s\n", nameWidth, r.name, buildWidth, r.build, r.runtime)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write the package graph: %w", err)
	}
	return nil
}

// list joins names with ", ", or is "-" for none.
func list(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ", ")
}

// WriteDOT writes the named packages as a Graphviz digraph: the nodes sorted, then for
// each package its build-requires edges (solid) and requires edges (dashed) to packages
// of the set, sorted. Pass a closed set (BuildClosure, RuntimeClosure) to see every edge.
//
//	digraph packages {
//		node [shape=box];
//		"a";
//		"b";
//		"a" -> "b";
//		"a" -> "b" [style=dashed];
//	}
func (g *Graph) WriteDOT(w io.Writer, names []string) error {
	pkgs, err := g.resolve(names)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("digraph packages {\n\tnode [shape=box];\n")
	for _, pkg := range pkgs {
		fmt.Fprintf(&b, "\t%s;\n", dotID(pkg))
	}
	for _, pkg := range pkgs {
		for _, e := range []struct {
			deps  []string
			attrs string
		}{{g.build[pkg], ""}, {g.runtime[pkg], " [style=dashed]"}} {
			for _, dep := range e.deps {
				if _, in := slices.BinarySearch(pkgs, dep); in {
					fmt.Fprintf(&b, "\t%s -> %s%s;\n", dotID(pkg), dotID(dep), e.attrs)
				}
			}
		}
	}
	b.WriteString("}\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write the package graph as DOT: %w", err)
	}
	return nil
}

// dotID quotes name as a DOT string.
func dotID(name string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}
