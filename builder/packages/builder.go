package packages

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/moby/buildkit/client"

	"github.com/kitbash-dev/kitbash/builder/graph"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/spec"
)

// Builder builds the packages of one project.
type Builder struct {
	cfg   *config
	specs map[string]*spec.Spec
	graph *graph.Graph

	mu     sync.Mutex // guards the lazily made connection and SDK below
	client *client.Client
	base   sandbox.Base
	cs     content.Store
	ready  bool
}

// New returns a Builder for specs, resolved as g.
func New(specs []*spec.Spec, g *graph.Graph, opts ...Option) (*Builder, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.spool == "" {
		cfg.spool = cfg.store.Dir()
	}
	b := &Builder{cfg: cfg, specs: map[string]*spec.Spec{}, graph: g}
	for _, s := range specs {
		b.specs[s.Name] = s
	}
	return b, nil
}

// engine connects to BuildKit and loads the SDK, once.
func (b *Builder) engine(ctx context.Context) (*client.Client, sandbox.Base, content.Store, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ready {
		return b.client, b.base, b.cs, nil
	}
	base, cs, err := b.cfg.sdk(ctx)
	if err != nil {
		return nil, sandbox.Base{}, nil, err
	}
	cl, err := b.cfg.connect(ctx)
	if err != nil {
		return nil, sandbox.Base{}, nil, err
	}
	b.client, b.base, b.cs, b.ready = cl, base, cs, true
	return cl, base, cs, nil
}

// closure is the named packages (all when none) and what building them needs, in
// build order; with release set, a spec that opts into the network is refused.
func (b *Builder) closure(names []string) ([]string, error) {
	if len(names) == 0 { // all of the project's own packages
		for n := range b.specs {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	order, err := b.graph.BuildClosure(names...)
	if err != nil {
		return nil, err
	}
	if b.cfg.release {
		for _, n := range order {
			if s, ok := b.specs[n]; ok && s.Network != spec.NetworkNone {
				line, _ := s.Doc.Pos("network")
				return nil, fmt.Errorf("%s:%d: network: package %s opts into the network, which --release refuses; fix: declare what it downloads as url, apt or gomod sources and remove network:", s.File, line, n)
			}
		}
	}
	return order, nil
}

// Fetch fills the source cache with every url, apt and gomod source of the named
// packages and what building them needs (all packages when names is empty).
func (b *Builder) Fetch(ctx context.Context, names ...string) (int, error) {
	order, err := b.closure(names)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range order {
		if _, ext := b.cfg.external[name]; ext {
			continue
		}
		r, err := b.resolveSources(ctx, b.specs[name], true)
		if err != nil {
			return n, err
		}
		n += len(r.digests)
	}
	return n, nil
}
