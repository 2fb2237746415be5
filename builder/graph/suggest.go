package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// maxSuggestions bounds the names offered by "did you mean".
const maxSuggestions = 3

// suggest returns the candidates closest to name: the one that differs only by case and
// '_' vs '-', or else those at the smallest edit distance, at most 2 and less than their
// length; sorted, at most maxSuggestions, nil when none is close. candidates must be
// sorted.
func suggest(name string, candidates []string) []string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }
	var best []string
	bestDist := 2
	for _, c := range candidates {
		if norm(c) == norm(name) {
			return []string{c}
		}
		dist := yamlstrict.EditDistance(norm(name), norm(c))
		switch {
		case dist >= len(c) || dist > bestDist:
		case dist < bestDist:
			best, bestDist = []string{c}, dist
		default:
			best = append(best, c)
		}
	}
	if len(best) > maxSuggestions {
		best = best[:maxSuggestions]
	}
	return best
}

// orList quotes names and joins them for a sentence: `"a"`, `"a" or "b"`,
// `"a", "b" or "c"`.
func orList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
