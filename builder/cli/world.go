package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kitbash-dev/kitbash/builder/graph"
	"github.com/kitbash-dev/kitbash/builder/kitset"
	"github.com/kitbash-dev/kitbash/builder/packages"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sign"
	"github.com/kitbash-dev/kitbash/builder/spec"
)

// kitFlags say how strictly external kits are checked.
type kitFlags struct {
	allowUnsigned bool
	release       bool
	offline       bool // validate, graph: use what the local store holds, contact no registry
}

// trust loads every vendor's trusted public keys (files relative to the project).
func trust(l *project.Loaded) (kitset.Trust, error) {
	t := kitset.Trust{}
	for id, v := range l.Project.Vendors {
		for _, k := range v.Keys {
			b, err := os.ReadFile(filepath.Join(l.Dir, k))
			if err != nil {
				return nil, fmt.Errorf("%s: vendors: %s: keys: %w; fix: add the vendor's public key file, or fix the path", project.FileName, id, err)
			}
			vf, err := sign.LoadPublicKey(b)
			if err != nil {
				return nil, fmt.Errorf("%s: vendors: %s: key %s: %w", project.FileName, id, k, err)
			}
			t[id] = append(t[id], vf)
		}
	}
	return t, nil
}

// checkLocked makes sure every kit of Kitbash.yaml is locked at its version.
func checkLocked(l *project.Loaded) error {
	locked := map[string]project.LockedKit{}
	for _, k := range l.Lock.Kits {
		locked[k.Name] = k
	}
	for _, k := range l.Project.Kits {
		lk, ok := locked[k.Name]
		if !ok || lk.Version != k.Version || lk.Vendor != k.Vendor {
			return fmt.Errorf("kit %s %s from %s is not locked in %s; fix: run kitbash update", k.Name, k.Version, k.Vendor, project.LockName)
		}
	}
	if len(l.Lock.Kits) != len(l.Project.Kits) {
		return fmt.Errorf("%s locks kits that %s no longer lists; fix: run kitbash update", project.LockName, project.FileName)
	}
	return nil
}

// withKits adds the locked external kits to ps: their packages join the graph, and a
// package carried twice is resolved by Kitbash.yaml prefer: (or is an error).
func (g *globals) withKits(ctx context.Context, ps projectSpecs, f kitFlags) (projectSpecs, error) {
	l := ps.project
	if len(l.Project.Kits) == 0 && len(l.Lock.Kits) == 0 {
		return ps, nil
	}
	if err := checkLocked(l); err != nil {
		return ps, err
	}
	t, err := trust(l)
	if err != nil {
		return ps, err
	}
	store, err := g.store()
	if err != nil {
		return ps, err
	}
	providers, err := kitset.LoadLocked(ctx, l.Lock.Kits, kitset.LoadOptions{Store: store, Trust: t, AllowUnsigned: f.allowUnsigned || f.offline,
		Release: f.release, Offline: f.offline, Arch: "x86_64", Log: g.stderr})
	if err != nil {
		return ps, err
	}
	winners, err := kitset.Combine(append(providers, localProvider(ps.specs)), l.Project.Prefer)
	if err != nil {
		return ps, err
	}
	var specs []*spec.Spec
	var nodes []graph.Node
	for _, s := range ps.specs {
		if winners[s.Name].Kit == kitset.Local {
			specs = append(specs, s)
			nodes = append(nodes, specNode(s))
		}
	}
	ext := map[string]packages.External{}
	for name, m := range winners {
		if m.Kit != kitset.Local {
			ext[name] = packages.External{Kit: m.Kit, Manifest: m.Manifest, Tar: m.Tar}
			nodes = append(nodes, graph.Node{Name: name, Requires: m.Manifest.Requires, Provides: m.Manifest.Provides})
		}
	}
	gr, err := graph.Resolve(nodes)
	if err != nil {
		return ps, err
	}
	ps.specs, ps.graph, ps.external, ps.blobDir = specs, gr, ext, store.BlobDir()
	return ps, nil
}
