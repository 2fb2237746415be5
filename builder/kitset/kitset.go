// Package kitset combines the packages of several kits (the project's own specs and the
// external kits locked in Kitbash.lock) into one set, one provider per package name.
// Two kits that carry the same package are an error unless the project names the
// winner (Kitbash.yaml prefer:).
package kitset

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/pkg"
)

// Local is the provider name of the project's own package specs.
const Local = "(this project)"

// Member is one package of a kit.
type Member struct {
	Kit      string // kit name, or Local
	Manifest pkg.Manifest
	Tar      string // path of the package tar ("" for local specs not yet built)
}

// Provider is one source of packages: a kit, or the project's specs.
type Provider struct {
	Name     string
	Packages []Member
}

// Combine picks one member per package name across providers. A name (or a provided
// name) carried by more than one provider is an error naming them and the fix, unless
// prefer maps the package to one of them. Unused prefer entries are errors too.
func Combine(providers []Provider, prefer map[string]string) (map[string]Member, error) {
	carriers := map[string][]Member{}
	for _, p := range providers {
		for _, m := range p.Packages {
			m.Kit = p.Name
			carriers[m.Manifest.Name] = append(carriers[m.Manifest.Name], m)
		}
	}
	var problems []string
	out := map[string]Member{}
	for _, name := range sortedKeys(carriers) {
		ms := carriers[name]
		if len(ms) == 1 {
			out[name] = ms[0]
			continue
		}
		kits := kitNames(ms)
		want, ok := prefer[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("package %s is carried by %s; fix: choose one in Kitbash.yaml, e.g. prefer: {%s: %s}", name, strings.Join(kits, " and "), name, ms[len(ms)-1].Kit))
			continue
		}
		found := false
		for _, m := range ms {
			if m.Kit == want {
				out[name], found = m, true
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("Kitbash.yaml prefer: %s: %s does not carry %s; fix: use one of %s", name, want, name, strings.Join(kits, ", ")))
		}
	}
	for _, name := range sortedKeys(prefer) {
		if len(carriers[name]) < 2 {
			problems = append(problems, fmt.Sprintf("Kitbash.yaml prefer: %s: only %d kit carries %s, nothing to choose; fix: remove the entry", name, len(carriers[name]), name))
		}
	}
	// A provided (virtual) name must not be another package's name.
	for _, name := range sortedKeys(out) {
		for _, p := range out[name].Manifest.Provides {
			if other, ok := out[p]; ok && other.Manifest.Name != name {
				problems = append(problems, fmt.Sprintf("package %s (%s) provides %q, which is package %s (%s); fix: drop one of them with prefer: or remove the provides", name, out[name].Kit, p, p, other.Kit))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("kits conflict:\n  %s", strings.Join(problems, "\n  "))
	}
	return out, nil
}

func kitNames(ms []Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Kit)
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
