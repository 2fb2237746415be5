package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// BuildClosure returns the named packages and everything needed to build them: their
// sandbox packages (build-requires and the runtime closure of those), the sandbox
// packages of those, and so on; in build order (every package after its SandboxDeps,
// ties broken alphabetically). What the named packages need at runtime only is not
// included: see RuntimeClosure.
func (g *Graph) BuildClosure(names ...string) ([]string, error) {
	pkgs, err := g.resolve(names)
	if err != nil {
		return nil, err
	}
	return g.order(closure(pkgs, g.sandbox)), nil
}

// RuntimeClosure returns the named packages and everything they require at runtime,
// transitively, sorted.
func (g *Graph) RuntimeClosure(names ...string) ([]string, error) {
	pkgs, err := g.resolve(names)
	if err != nil {
		return nil, err
	}
	return closure(pkgs, g.runtime), nil
}

// Levels splits the named packages (a set closed under SandboxDeps, such as the result of
// BuildClosure) into build levels: level 0 holds those that need no other package of the
// set to be built, level n+1 those that need a package of level n and none above. Each
// level is sorted; unknown names are left out.
func (g *Graph) Levels(names []string) [][]string {
	level := map[string]int{}
	var levels [][]string
	for _, pkg := range g.order(g.known(names)) {
		l := 0
		for _, dep := range g.sandbox[pkg] {
			if dl, in := level[dep]; in {
				l = max(l, dl+1)
			}
		}
		level[pkg] = l
		if l == len(levels) {
			levels = append(levels, nil)
		}
		levels[l] = append(levels[l], pkg)
	}
	for _, lv := range levels {
		slices.Sort(lv)
	}
	return levels
}

// order returns the packages of set (sorted) in build order: each after those of its
// SandboxDeps that are in set, ties broken alphabetically (Kahn's algorithm). Resolve
// guarantees the order exists.
func (g *Graph) order(set []string) []string {
	pending := map[string]int{}         // package → its sandbox packages in set not yet placed
	dependents := map[string][]string{} // package → packages of set whose sandbox holds it
	for _, pkg := range set {
		for _, dep := range g.sandbox[pkg] {
			if _, in := slices.BinarySearch(set, dep); in {
				pending[pkg]++
				dependents[dep] = append(dependents[dep], pkg)
			}
		}
	}
	var ready []string // sorted
	for _, pkg := range set {
		if pending[pkg] == 0 {
			ready = append(ready, pkg)
		}
	}
	out := make([]string, 0, len(set))
	for len(ready) > 0 {
		pkg := ready[0]
		ready = ready[1:]
		out = append(out, pkg)
		for _, d := range dependents[pkg] {
			if pending[d]--; pending[d] == 0 {
				i, _ := slices.BinarySearch(ready, d)
				ready = slices.Insert(ready, i, d)
			}
		}
	}
	return out
}

// closure returns start and every package reachable from it over edges, sorted. It
// visits each package once, so cycles end.
func closure(start []string, edges map[string][]string) []string {
	seen := map[string]bool{}
	queue := slices.Clone(start)
	for len(queue) > 0 {
		v := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[v] {
			continue
		}
		seen[v] = true
		queue = append(queue, edges[v]...)
	}
	return sortedKeys(seen)
}

// resolve maps names (package or provided names) to package names, sorted and without
// duplicates; it fails naming every unknown name.
func (g *Graph) resolve(names []string) ([]string, error) {
	var pkgs []string
	var errs []error
	unknown := map[string]bool{}
	for _, name := range names {
		pkg, ok := g.lookup[name]
		switch {
		case ok:
			pkgs = append(pkgs, pkg)
		case !unknown[name]:
			unknown[name] = true
			errs = append(errs, g.unknownError(name))
		}
	}
	slices.Sort(pkgs)
	return slices.Compact(pkgs), errors.Join(errs...)
}

// known is resolve without the errors: unknown names are left out.
func (g *Graph) known(names []string) []string {
	pkgs, _ := g.resolve(names)
	return pkgs
}

func (g *Graph) unknownError(name string) error {
	if len(g.names) == 0 {
		return fmt.Errorf("unknown package %q; fix: add specs/%s/package.yaml (there are no packages yet)", name, name)
	}
	fix := "use one of: " + strings.Join(g.names, ", ")
	if s := suggest(name, sortedKeys(g.lookup)); len(s) > 0 {
		fix = fmt.Sprintf("did you mean %s? otherwise %s", orList(s), fix)
	}
	return fmt.Errorf("unknown package %q; fix: %s", name, fix)
}
