package yamlstrict

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

type pair struct{ key, val *yaml.Node }

// pairs returns the key/value pairs of mapping n, with merge keys (<<: *anchor) expanded
// (explicit keys win over merged ones) and duplicate or non-scalar keys reported.
func (d *decoder) pairs(n *yaml.Node, field string, depth int) []pair {
	var out, merged []pair
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(val, field, depth+1)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.add(k, field, "expected a plain key, got "+got(k), `write keys as plain words, e.g. "name: value"`)
			continue
		}
		if prev, dup := first[k.Value]; dup {
			d.add(k, Join(field, k.Value), fmt.Sprintf("duplicate key %q (first set on line %d)", k.Value, prev.Line),
				"remove one of them")
			continue
		}
		first[k.Value] = k
		out = append(out, pair{k, val})
	}
	for _, p := range merged {
		if _, ok := first[p.key.Value]; !ok {
			first[p.key.Value] = p.key
			out = append(out, p)
		}
	}
	return out
}

// merge returns the pairs a merge key's value brings in: one mapping or a list of them.
func (d *decoder) merge(n *yaml.Node, field string, depth int) []pair {
	if !d.spend(n, field, depth) {
		return nil
	}
	const fix = "write <<: *anchor, where &anchor names a mapping"
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			d.add(n, field, fmt.Sprintf("unknown anchor %q", n.Value), "define &"+n.Value+" before using *"+n.Value)
			return nil
		}
		if d.active[n] {
			d.add(n, field, fmt.Sprintf("merge of *%s includes itself", n.Value), fix)
			return nil
		}
		d.active[n] = true
		defer delete(d.active, n)
		return d.merge(n.Alias, field, depth+1)
	case yaml.MappingNode:
		return d.pairs(n, field, depth)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range n.Content {
			if resolve(item).Kind != yaml.MappingNode {
				d.add(item, field, "expected a mapping to merge, got "+got(item), fix)
				continue
			}
			out = append(out, d.merge(item, field, depth+1)...)
		}
		return out
	}
	d.add(n, field, "expected a mapping to merge, got "+got(n), fix)
	return nil
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 10; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
