package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Resolve checks nodes as a whole and returns their Graph. When anything is wrong it
// returns a nil Graph and every problem at once as yamlstrict.Problems, each located at
// the file, line and field of the spec at fault and sorted by file, line and field:
//
//   - a name defined by two specs, a provided name that is also a package's name, and a
//     name provided by two packages;
//   - a build-requires or requires entry that is neither a package nor provided by one;
//   - a package that requires or build-requires itself (by name or by what it provides);
//   - build-requires cycles, each reported once, on its alphabetically first package;
//   - other build cycles: a package needed, as the runtime requirement of one of its
//     build-requires, to build itself (directly or through other builds).
//
// Runtime requires may form cycles. Nodes without a name and empty entries are skipped:
// the spec validator reports them. Nodes without a Doc are reported in the conventional
// file specs/<name>/package.yaml, without a line.
func Resolve(nodes []Node) (*Graph, error) {
	r := newResolver(nodes)
	r.duplicates()
	r.provides()
	r.requirements()
	r.sandboxes()
	r.cycles()
	if len(r.ps) > 0 {
		return nil, sortProblems(r.ps).Err()
	}
	return r.g, nil
}

// resolver holds the state of one Resolve call.
type resolver struct {
	g    *Graph
	defs map[string][]Node // name → every spec that has it, in file order
	ps   yamlstrict.Problems
}

func newResolver(nodes []Node) *resolver {
	r := &resolver{
		g: &Graph{
			nodes:   map[string]Node{},
			lookup:  map[string]string{},
			build:   map[string][]string{},
			runtime: map[string][]string{},
			sandbox: map[string][]string{},
		},
		defs: map[string][]Node{},
	}
	named := make([]Node, 0, len(nodes))
	for _, n := range nodes {
		if n.Name != "" {
			named = append(named, n)
		}
	}
	// The result must not depend on the order the specs were read in.
	slices.SortStableFunc(named, func(a, b Node) int {
		al, _ := a.Doc.Pos("name")
		bl, _ := b.Doc.Pos("name")
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.file(), b.file()), cmp.Compare(al, bl))
	})
	for _, n := range named {
		if _, seen := r.defs[n.Name]; !seen {
			r.g.names = append(r.g.names, n.Name)
			r.g.nodes[n.Name] = n
			r.g.lookup[n.Name] = n.Name
		}
		r.defs[n.Name] = append(r.defs[n.Name], n)
	}
	return r
}

// duplicates reports every spec of a name defined more than once, naming the others.
func (r *resolver) duplicates() {
	for _, name := range r.g.names {
		defs := r.defs[name]
		if len(defs) < 2 {
			continue
		}
		times := "twice"
		if len(defs) > 2 {
			times = fmt.Sprintf("%d times", len(defs))
		}
		for i, n := range defs {
			var others []string
			for j, o := range defs {
				if j != i {
					others = append(others, o.where("name"))
				}
			}
			r.ps.Add(n.problem("name",
				fmt.Sprintf("package %q is defined %s: here and in %s", name, times, strings.Join(others, ", ")),
				fmt.Sprintf("keep one spec named %q: rename or remove the others", name)))
		}
	}
}

// provision is one provides entry: package pkg lists the name at provides[index].
type provision struct {
	pkg   string
	index int
}

// provides adds provided names to the lookup and reports those that collide with a
// package's name or with what another package provides.
func (r *resolver) provides() {
	providers := map[string][]provision{}
	for _, name := range r.g.names {
		n := r.g.nodes[name]
		seen := map[string]bool{}
		for i, v := range n.Provides {
			if v == "" || v == name || seen[v] {
				continue // a package answers to its own name anyway
			}
			seen[v] = true
			if other, ok := r.g.nodes[v]; ok {
				r.ps.Add(n.problem(yamlstrict.Index("provides", i),
					fmt.Sprintf("%q is already the name of a package (%s)", v, other.where("name")),
					fmt.Sprintf("remove it from provides and depend on package %q by name, or rename one of them", v)))
				continue
			}
			providers[v] = append(providers[v], provision{pkg: name, index: i})
		}
	}
	for _, v := range sortedKeys(providers) {
		ps := providers[v]
		r.g.lookup[v] = ps[0].pkg // the first one, to go on checking without repeating problems
		if len(ps) < 2 {
			continue
		}
		for i, p := range ps {
			var others []string
			for j, o := range ps {
				if j != i {
					others = append(others, fmt.Sprintf("%q (%s)", o.pkg, r.g.nodes[o.pkg].where(yamlstrict.Index("provides", o.index))))
				}
			}
			word := "package"
			if len(others) > 1 {
				word = "packages"
			}
			r.ps.Add(r.g.nodes[p.pkg].problem(yamlstrict.Index("provides", p.index),
				fmt.Sprintf("%q is also provided by %s %s", v, word, strings.Join(others, ", ")),
				fmt.Sprintf("provide %q from one package only, and depend on the others by name", v)))
		}
	}
}

// requirements resolves the build-requires and requires of every spec (duplicates
// included, so each file gets its own problems) and records the edges of the first.
func (r *resolver) requirements() {
	known := sortedKeys(r.g.lookup)
	for _, name := range r.g.names {
		for i, n := range r.defs[name] {
			build := r.entries(n, "build-requires", n.BuildRequires, known)
			runtime := r.entries(n, "requires", n.Requires, known)
			if i == 0 {
				r.g.build[name], r.g.runtime[name] = build, runtime
			}
		}
	}
}

// entries resolves the entries of list (the field "build-requires" or "requires") of n to
// package names, sorted and without duplicates, reporting those that name nothing or n
// itself.
func (r *resolver) entries(n Node, list string, entries, known []string) []string {
	var out []string
	for i, e := range entries {
		if e == "" {
			continue
		}
		field := yamlstrict.Index(list, i)
		pkg, ok := r.g.lookup[e]
		switch {
		case !ok:
			r.ps.Add(n.problem(field, fmt.Sprintf("%q is not a package or provided by one", e), r.missingFix(e, n.Name, known)))
		case pkg == n.Name && e == n.Name:
			r.ps.Add(n.problem(field, fmt.Sprintf("package %q %s itself", n.Name, list), "remove it"))
		case pkg == n.Name:
			r.ps.Add(n.problem(field, fmt.Sprintf("package %q %s itself (it provides %q)", n.Name, list, e), "remove it"))
		default:
			out = append(out, pkg)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// missingFix suggests the known names closest to e (leaving out the names of self, the
// package that lists it), or adding a spec for e.
func (r *resolver) missingFix(e, self string, known []string) string {
	add := fmt.Sprintf("add specs/%s/package.yaml, or remove the entry", e)
	var others []string
	for _, k := range known {
		if r.g.lookup[k] != self {
			others = append(others, k)
		}
	}
	if s := suggest(e, others); len(s) > 0 {
		return fmt.Sprintf("did you mean %s? otherwise %s", orList(s), add)
	}
	return add
}

// sandboxes computes SandboxDeps of every package: its build-requires and their runtime
// closure. A package found in its own sandbox is a build cycle, reported by cycles.
func (r *resolver) sandboxes() {
	for _, name := range r.g.names {
		r.g.sandbox[name] = closure(r.g.build[name], r.g.runtime)
	}
}

// sortProblems orders ps by file name, then line, field, column and message, so that
// the rendered list does not depend on the order the checks ran in.
func sortProblems(ps yamlstrict.Problems) yamlstrict.Problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b yamlstrict.Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), strings.Compare(a.Field, b.Field),
			cmp.Compare(a.Column, b.Column), strings.Compare(a.Message, b.Message))
	})
	return out
}
