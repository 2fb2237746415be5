package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRandomGraphs checks Resolve and BuildClosure on random small graphs against a
// naive model: Resolve fails exactly when some package needs itself to be built (or
// lists itself), and otherwise every build order puts each package after its sandbox.
func TestRandomGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "c", "d", "e", "f"}
	good := 0
	for iter := range 2000 {
		var nodes []Node
		build, runtime := map[string][]string{}, map[string][]string{}
		for _, n := range names {
			nd := Node{Name: n}
			for _, m := range names {
				if m == n && rng.IntN(20) != 0 {
					continue // listing itself is rare, or it would hide everything else
				}
				switch rng.IntN(12) {
				case 0:
					nd.BuildRequires = append(nd.BuildRequires, m)
					build[n] = append(build[n], m)
				case 1, 2:
					nd.Requires = append(nd.Requires, m)
					runtime[n] = append(runtime[n], m)
				}
			}
			nodes = append(nodes, nd)
		}
		// The model: sandbox(x) = runtime closure of build(x); x must not reach itself
		// over sandbox edges, nor list itself.
		sandbox := map[string][]string{}
		bad := false
		for _, n := range names {
			sandbox[n] = closure(build[n], runtime)
			bad = bad || slices.Contains(build[n], n) || slices.Contains(runtime[n], n)
		}
		for _, n := range names {
			bad = bad || slices.Contains(closure(sandbox[n], sandbox), n)
		}
		g, err := Resolve(nodes)
		desc := fmt.Sprintf("iteration %d: build %v runtime %v", iter, build, runtime)
		if bad != (err != nil) {
			t.Fatalf("%s: model says bad=%v, Resolve: %v", desc, bad, err)
		}
		slices.Reverse(nodes)
		if _, err2 := Resolve(nodes); fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("%s: Resolve depends on the order of nodes:\n%v\n%v", desc, err, err2)
		}
		if err != nil {
			continue
		}
		good++
		order, err := g.BuildClosure(names...)
		if err != nil || len(order) != len(names) {
			t.Fatalf("%s: BuildClosure = %q, %v", desc, order, err)
		}
		for i, n := range order {
			for _, dep := range g.SandboxDeps(n) {
				if slices.Index(order, dep) > i {
					t.Fatalf("%s: %s before its sandbox package %s in %q", desc, n, dep, order)
				}
			}
		}
		for l, level := range g.Levels(names) {
			for _, n := range level {
				deepest := -1
				for dl, lv := range g.Levels(names) {
					for _, dep := range g.SandboxDeps(n) {
						if slices.Contains(lv, dep) {
							deepest = max(deepest, dl)
						}
					}
				}
				if deepest+1 != l {
					t.Fatalf("%s: %s at level %d, its deepest sandbox package at %d", desc, n, l, deepest)
				}
			}
		}
	}
	if good < 200 || good > 1800 {
		t.Errorf("%d of 2000 random graphs resolved; the generator needs tuning", good)
	}
	t.Logf("%d of 2000 random graphs resolved", good)
}
