package main

import (
	"fmt"
	"sort"
)

// mismatch is an artifact whose digests differ between the machines, or that only one
// of them made (the other side is nil).
type mismatch struct {
	kind, name string
	a, b       *artifact
}

// kindCount is how many artifacts of a kind were compared and how many differed.
type kindCount struct {
	kind                string
	compared, different int
}

// comparison is the outcome of comparing two machines' artifacts.
type comparison struct {
	counts     []kindCount // in report order
	mismatches []mismatch  // in report order: by kind, then name
}

// total is the number of artifacts compared.
func (c comparison) total() int {
	n := 0
	for _, k := range c.counts {
		n += k.compared
	}
	return n
}

type artifactKey struct{ kind, name string }

// compare pairs the artifacts of machines A and B by kind and name and reports every
// pair whose digests differ and every artifact only one machine has. Two artifacts of
// the same kind and name on one machine are an error: the pairing would be ambiguous.
func compare(a, b []artifact) (comparison, error) {
	ia, err := index(a, "A")
	if err != nil {
		return comparison{}, err
	}
	ib, err := index(b, "B")
	if err != nil {
		return comparison{}, err
	}
	keys := make([]artifactKey, 0, len(ia)+len(ib))
	for k := range ia {
		keys = append(keys, k)
	}
	for k := range ib {
		if _, ok := ia[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := kindRank(keys[i].kind), kindRank(keys[j].kind); ri != rj {
			return ri < rj
		}
		if keys[i].kind != keys[j].kind {
			return keys[i].kind < keys[j].kind
		}
		return keys[i].name < keys[j].name
	})
	var c comparison
	for _, k := range keys {
		if len(c.counts) == 0 || c.counts[len(c.counts)-1].kind != k.kind {
			c.counts = append(c.counts, kindCount{kind: k.kind})
		}
		count := &c.counts[len(c.counts)-1]
		count.compared++
		x, y := ia[k], ib[k]
		if x != nil && y != nil && x.digest == y.digest {
			continue
		}
		count.different++
		c.mismatches = append(c.mismatches, mismatch{kind: k.kind, name: k.name, a: x, b: y})
	}
	return c, nil
}

func index(arts []artifact, machine string) (map[artifactKey]*artifact, error) {
	m := make(map[artifactKey]*artifact, len(arts))
	for i := range arts {
		k := artifactKey{arts[i].kind, arts[i].name}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("machine %s has two artifacts named %s %s", machine, k.kind, k.name)
		}
		m[k] = &arts[i]
	}
	return m, nil
}
