package graph

import (
	"fmt"
	"slices"
	"strings"
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
		dist := editDistance(norm(name), norm(c))
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

// editDistance is the Levenshtein distance between a and b, counted in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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
