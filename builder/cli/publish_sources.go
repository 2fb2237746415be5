package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/kitbash-dev/kitbash/builder/kitsrc"
	"github.com/kitbash-dev/kitbash/builder/spec"
)

// kitSources packs what rebuilding kit k takes (kitsrc): the project file and lock, the
// kit spec, the vendor keys, and the spec folder and path sources of every package its
// build builds (its packages and their build closure; external kits' packages come from
// Kitbash.lock). Times are the kit's created time, so the same kit packs the same bytes.
func (g *globals) kitSources(ctx context.Context, name string, f kitFlags, k builtKit) ([]byte, error) {
	ks, err := g.loadKits(ctx, []string{name}, f)
	if err != nil {
		return nil, err
	}
	ps := ks.specs
	carried, err := ps.kitPackages(ks.kits[0])
	if err != nil {
		return nil, err
	}
	built, err := ps.graph.BuildClosure(carried...)
	if err != nil {
		return nil, fmt.Errorf("kit %s: %w", name, err)
	}
	byName := map[string]*spec.Spec{}
	for _, s := range ps.specs {
		byName[s.Name] = s
	}
	var specs []*spec.Spec
	for _, n := range built {
		if s, ok := byName[n]; ok { // not an external kit's package
			specs = append(specs, s)
		}
	}
	var keys []string
	for _, v := range ps.project.Project.Vendors {
		keys = append(keys, v.Keys...)
	}
	sort.Strings(keys)
	paths, err := kitsrc.Paths(kitsrc.Project{Root: ps.project.Dir, Kit: name, Specs: specs, Keys: keys})
	if err != nil {
		return nil, err
	}
	created, err := time.Parse(time.RFC3339, k.config.Created)
	if err != nil {
		return nil, fmt.Errorf("kit %s: created time %q: %w", name, k.config.Created, err)
	}
	return kitsrc.Pack(ps.project.Dir, paths, kitsrc.WithEpoch(created.Unix()))
}

// sha256Digest is "sha256:<hex>" of b.
func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
