package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// maxCycles bounds the build-requires cycles listed for one knot of packages (a
// strongly connected component); the number of cycles can grow exponentially.
const maxCycles = 20

const (
	cycleFix   = "remove one of these build-requires: a package cannot be needed to build itself"
	sandboxFix = "remove one of these build-requires or requires: the build sandbox of a package holds its build-requires and everything they require at runtime, so none of them may need the package itself"
)

// cycles reports every elementary build-requires cycle, then, for each knot of the
// build order (package → SandboxDeps) that holds no build-requires cycle, one cycle that
// goes through runtime requires. Self dependencies are not edges: entries reports them.
func (r *resolver) cycles() {
	knotted := map[string]bool{}
	for _, comp := range components(r.g.names, r.g.build) {
		for _, name := range comp {
			knotted[name] = true
		}
		cycles, complete := elementaryCycles(comp, r.g.build, maxCycles)
		for _, c := range cycles {
			r.ps.Add(r.g.nodes[c[0]].problem(r.entryField(c[0], c[1]),
				"build-requires cycle: "+strings.Join(append(c, c[0]), " -> "), cycleFix))
		}
		if !complete {
			r.ps.Add(r.g.nodes[comp[0]].problem("build-requires",
				fmt.Sprintf("more build-requires cycles among %s (only the first %d are listed)", strings.Join(comp, ", "), maxCycles), cycleFix))
		}
	}
	for _, comp := range components(r.g.names, r.g.sandbox) {
		if !slices.ContainsFunc(comp, func(name string) bool { return knotted[name] }) {
			r.sandboxCycle(comp)
		}
	}
}

// sandboxCycle reports the shortest build-order cycle through comp[0], spelled out with
// the build-requires and requires that make it:
//
//	build cycle through runtime requires: a -build-> b -runtime-> c -build-> a
func (r *resolver) sandboxCycle(comp []string) {
	start := comp[0]
	hops := shortestPath(start, start, r.g.sandbox, comp)
	var b strings.Builder
	b.WriteString(start)
	first := ""
	for i := 1; i < len(hops); i++ {
		chain := r.witness(hops[i-1], hops[i])
		if first == "" {
			first = chain[0]
		}
		b.WriteString(" -build-> " + chain[0])
		for _, c := range chain[1:] {
			b.WriteString(" -runtime-> " + c)
		}
	}
	r.ps.Add(r.g.nodes[start].problem(r.entryField(start, first),
		"build cycle through runtime requires: "+b.String(), sandboxFix))
}

// witness explains why to is in the sandbox of from: the shortest chain b, ..., to where
// b is a build-require of from and each next package a runtime requirement of the last.
func (r *resolver) witness(from, to string) []string {
	var best []string
	for _, b := range r.g.build[from] {
		p := []string{b}
		if b != to {
			p = shortestPath(b, to, r.g.runtime, nil)
		}
		if p != nil && (best == nil || len(p) < len(best)) {
			best = p
		}
	}
	return best
}

// entryField returns the field of the first build-requires entry of pkg that resolves to
// dep, or "build-requires" when none does.
func (r *resolver) entryField(pkg, dep string) string {
	for i, e := range r.g.nodes[pkg].BuildRequires {
		if r.g.lookup[e] == dep {
			return yamlstrict.Index("build-requires", i)
		}
	}
	return "build-requires"
}

// shortestPath returns the shortest path from → ... → to over edges (breadth first,
// neighbours in sorted order), with at least one edge when from == to; nil when there is
// none. within, when not nil, is the sorted set of packages the path may go through.
func shortestPath(from, to string, edges map[string][]string, within []string) []string {
	prev := map[string]string{}
	// When from == to, from is not marked visited: it must be reached again by an edge.
	visited := map[string]bool{from: from != to}
	queue := []string{from}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range edges[v] {
			if visited[w] {
				continue
			}
			if within != nil {
				if _, ok := slices.BinarySearch(within, w); !ok {
					continue
				}
			}
			visited[w] = true
			prev[w] = v
			if w == to {
				path := []string{to}
				for cur := v; ; cur = prev[cur] {
					path = append(path, cur)
					if cur == from {
						break
					}
				}
				slices.Reverse(path)
				return path
			}
			queue = append(queue, w)
		}
	}
	return nil
}

// components returns the strongly connected components of the graph over names that
// hold a cycle (more than one package, or one with an edge to itself), each sorted,
// ordered by their first package (Tarjan's algorithm).
func components(names []string, edges map[string][]string) [][]string {
	t := tarjan{edges: edges, index: map[string]int{}, low: map[string]int{}, onStack: map[string]bool{}}
	for _, v := range names {
		if _, seen := t.index[v]; !seen {
			t.visit(v)
		}
	}
	var out [][]string
	for _, comp := range t.comps {
		if len(comp) > 1 || slices.Contains(edges[comp[0]], comp[0]) {
			slices.Sort(comp)
			out = append(out, comp)
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

type tarjan struct {
	edges   map[string][]string
	index   map[string]int
	low     map[string]int
	onStack map[string]bool
	stack   []string
	comps   [][]string
}

func (t *tarjan) visit(v string) {
	t.index[v] = len(t.index)
	t.low[v] = t.index[v]
	t.stack = append(t.stack, v)
	t.onStack[v] = true
	for _, w := range t.edges[v] {
		if _, seen := t.index[w]; !seen {
			t.visit(w)
			t.low[v] = min(t.low[v], t.low[w])
		} else if t.onStack[w] {
			t.low[v] = min(t.low[v], t.index[w])
		}
	}
	if t.low[v] != t.index[v] {
		return
	}
	var comp []string
	for {
		w := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.onStack[w] = false
		comp = append(comp, w)
		if w == v {
			break
		}
	}
	t.comps = append(t.comps, comp)
}

// elementaryCycles returns up to limit elementary cycles of the graph restricted to comp
// (sorted), each as its packages starting from the alphabetically first, in a stable
// order (Johnson's algorithm); complete is false when there are more.
func elementaryCycles(comp []string, edges map[string][]string, limit int) (cycles [][]string, complete bool) {
	j := &johnson{edges: edges, limit: limit}
	for i, s := range comp {
		j.start = s
		j.allowed = map[string]bool{}
		for _, v := range comp[i:] {
			j.allowed[v] = true
		}
		j.blocked = map[string]bool{}
		j.blockedBy = map[string][]string{}
		j.circuit(s)
		if len(j.cycles) > limit {
			return j.cycles[:limit], false
		}
	}
	return j.cycles, true
}

// johnson is the state of Johnson's search for the cycles through start among allowed.
type johnson struct {
	edges     map[string][]string
	limit     int
	start     string
	allowed   map[string]bool
	blocked   map[string]bool
	blockedBy map[string][]string
	stack     []string
	cycles    [][]string
}

func (j *johnson) circuit(v string) bool {
	found := false
	j.stack = append(j.stack, v)
	j.blocked[v] = true
	for _, w := range j.edges[v] {
		switch {
		case len(j.cycles) > j.limit:
			found = true // stop searching; unblocking keeps the state consistent
		case !j.allowed[w]:
		case w == j.start:
			j.cycles = append(j.cycles, slices.Clone(j.stack))
			found = true
		case !j.blocked[w] && j.circuit(w):
			found = true
		}
	}
	if found {
		j.unblock(v)
	} else {
		for _, w := range j.edges[v] {
			if j.allowed[w] && !slices.Contains(j.blockedBy[w], v) {
				j.blockedBy[w] = append(j.blockedBy[w], v)
			}
		}
	}
	j.stack = j.stack[:len(j.stack)-1]
	return found
}

func (j *johnson) unblock(u string) {
	j.blocked[u] = false
	waiting := j.blockedBy[u]
	delete(j.blockedBy, u)
	for _, w := range waiting {
		if j.blocked[w] {
			j.unblock(w)
		}
	}
}
