package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// projectKits is a project's kit specs with its package specs.
type projectKits struct {
	specs projectSpecs
	kits  []*kit.LoadedSpec // the selected kits
}

// loadKits loads the project, its specs and its kit specs, checks that every kit names
// known packages, and selects the named kits (all when names is empty).
func (g *globals) loadKits(ctx context.Context, names []string, f kitFlags) (projectKits, error) {
	ps, err := g.loadSpecs()
	if err != nil {
		return projectKits{}, err
	}
	if ps, err = g.withKits(ctx, ps, f); err != nil {
		return projectKits{}, err
	}
	all, err := kit.LoadSpecs(ps.project.Dir, ps.shown)
	if err != nil {
		return projectKits{}, err
	}
	var problems yamlstrict.Problems
	for _, k := range all {
		for i, p := range k.Packages {
			if _, ok := ps.graph.Lookup(p); !ok {
				problems.Add(k.Doc.Problem(yamlstrict.Index("packages", i), fmt.Sprintf("%q is not a package of this project", p),
					"add specs/"+p+"/package.yaml, or use one of: "+strings.Join(ps.graph.Names(), ", ")))
			}
		}
	}
	if err := problems.Err(); err != nil {
		return projectKits{}, err
	}
	if len(all) == 0 {
		return projectKits{}, fmt.Errorf("no kits in %s/kits; fix: add kits/<name>/kit.yaml", ps.shown)
	}
	if len(names) == 0 {
		return projectKits{specs: ps, kits: all}, nil
	}
	byName := map[string]*kit.LoadedSpec{}
	var known []string
	for _, k := range all {
		byName[k.Name] = k
		known = append(known, k.Name)
	}
	var sel []*kit.LoadedSpec
	for _, n := range names {
		k, ok := byName[n]
		if !ok {
			return projectKits{}, fmt.Errorf("unknown kit %q; fix: use one of: %s", n, strings.Join(known, ", "))
		}
		sel = append(sel, k)
	}
	return projectKits{specs: ps, kits: sel}, nil
}

// kitPackages is what kit k carries: its packages and their runtime requirements,
// except those that external kits carry.
func (ps projectSpecs) kitPackages(k *kit.LoadedSpec) ([]string, error) {
	closure, err := ps.graph.RuntimeClosure(k.Packages...)
	if err != nil {
		return nil, fmt.Errorf("%s: packages: %w", k.File, err)
	}
	var out []string
	for _, n := range closure {
		if _, ext := ps.external[n]; ext {
			continue
		}
		out = append(out, n)
	}
	return out, nil
}
