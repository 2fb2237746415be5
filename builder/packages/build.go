package packages

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
	"golang.org/x/sync/errgroup"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgbuild"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/solve"
	"github.com/kitbash-dev/kitbash/builder/spec"
)

// How a package was obtained.
const (
	StatusStored   = "up to date" // already in the local package store
	StatusImported = "imported"   // taken from a --cache-from cache
	StatusBuilt    = "built"      // built on the engine
	StatusExternal = "from kit"   // carried by an external kit, never built here
)

// Result is one package of a build.
type Result struct {
	Name     string        `json:"name"`
	Version  string        `json:"version"`
	Release  int           `json:"release"`
	Status   string        `json:"status"`
	Inputs   string        `json:"inputsDigest"`
	Files    string        `json:"filesDigest"`
	Size     int64         `json:"size"`
	Tar      string        `json:"tar"`
	StepsRan []string      `json:"stepsRan,omitempty"` // build steps BuildKit executed (not cached)
	Duration time.Duration `json:"durationNs"`
	Manifest pkg.Manifest  `json:"-"`
}

// Build makes the named packages and what building them needs (all packages when
// names is empty). Every source must be fetched first (Fetch); independent packages
// build in parallel. Results are in build order.
func (b *Builder) Build(ctx context.Context, names ...string) ([]Result, error) {
	order, err := b.closure(names)
	if err != nil {
		return nil, err
	}
	// Every source is resolved before anything builds: a missing one stops the build
	// before the engine is touched.
	srcs := make(map[string]resolved, len(order))
	for _, n := range order {
		if _, ext := b.cfg.external[n]; ext {
			continue
		}
		if srcs[n], err = b.resolveSources(ctx, b.specs[n], false); err != nil {
			return nil, err
		}
	}
	results := make([]Result, len(order))
	index := map[string]int{}
	done := map[string]chan struct{}{}
	for i, n := range order {
		index[n], done[n] = i, make(chan struct{})
	}
	sem := make(chan struct{}, b.cfg.jobs)
	eg, gctx := errgroup.WithContext(ctx)
	for i, n := range order {
		eg.Go(func() error {
			defer close(done[n])
			deps := b.graph.SandboxDeps(n)
			for _, d := range deps {
				select {
				case <-done[d]:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			depResults := make([]Result, 0, len(deps))
			for _, d := range deps {
				r := results[index[d]]
				if r.Tar == "" {
					return gctx.Err() // a dependency failed; its error is reported
				}
				depResults = append(depResults, r)
			}
			select {
			case sem <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			defer func() { <-sem }()
			if x, ok := b.cfg.external[n]; ok {
				results[i] = Result{Name: n, Version: x.Manifest.Version, Release: x.Manifest.Release, Status: StatusExternal + " " + x.Kit,
					Inputs: x.Manifest.InputsDigest, Files: x.Manifest.Files.Digest, Size: x.Manifest.Files.Size, Tar: x.Tar, Manifest: x.Manifest}
				return nil
			}
			r, err := b.one(gctx, b.specs[n], srcs[n], depResults)
			if err != nil {
				return fmt.Errorf("package %s: %w", n, err)
			}
			results[i] = r
			fmt.Fprintf(b.cfg.log, "package %s %s-%d: %s (%s) in %s\n", n, r.Version, r.Release, r.Status, r.Files, r.Duration.Round(time.Millisecond))
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// one takes a package from the store, a cache, or a build, and exports it.
func (b *Builder) one(ctx context.Context, s *spec.Spec, src resolved, deps []Result) (Result, error) {
	start := time.Now()
	in := pkg.Inputs{SpecDigest: s.Digest, Sources: src.digests, BuildRequires: map[string]string{},
		SDKDigest: b.cfg.sdkDigest, Arch: b.cfg.arch, Epoch: b.cfg.epoch, Builder: RecipeVersion}
	for _, d := range deps {
		in.BuildRequires[d.Name] = d.Files
	}
	inputs, err := in.Digest()
	if err != nil {
		return Result{}, err
	}
	status := StatusStored
	e, ok, err := b.cfg.store.Get(inputs)
	if err != nil {
		return Result{}, err
	}
	for i := 0; !ok && i < len(b.cfg.cacheFrom); i++ {
		if e, ok, err = b.cfg.cacheFrom[i].Get(ctx, inputs, b.cfg.store); err != nil {
			return Result{}, err
		}
		status = StatusImported
	}
	var ran []string
	if !ok {
		if e, ran, err = b.build(ctx, s, src, deps, inputs); err != nil {
			return Result{}, err
		}
		status = StatusBuilt
	}
	for _, x := range b.cfg.cacheTo {
		if err := x.Put(ctx, e); err != nil {
			return Result{}, err
		}
	}
	m := e.Manifest
	return Result{Name: s.Name, Version: m.Version, Release: m.Release, Status: status, Inputs: inputs, Files: m.Files.Digest,
		Size: m.Files.Size, Tar: e.Tar, StepsRan: ran, Duration: time.Since(start), Manifest: m}, nil
}

// build solves the package on the engine and puts it into the store.
func (b *Builder) build(ctx context.Context, s *spec.Spec, src resolved, deps []Result, inputs string) (pkgstore.Entry, []string, error) {
	cl, base, cs, err := b.engine(ctx)
	if err != nil {
		return pkgstore.Entry{}, nil, err
	}
	p := pkgbuild.Package{Name: s.Name, Build: s.Build, Test: s.Test, Sources: src.build, Epoch: b.cfg.epoch, LocalID: localID(b.cfg.root),
		Env: map[string]string{"PKG_NAME": s.Name, "PKG_VERSION": s.Version, "PKG_RELEASE": strconv.Itoa(s.Release)}}
	if s.Network == spec.NetworkSandbox {
		p.Network = sandbox.NetworkSandbox
	}
	for _, d := range deps {
		local, base := pkgbuild.LocalPackages, b.cfg.store.Dir()
		if _, ext := b.cfg.external[d.Name]; ext {
			local, base = pkgbuild.LocalKits, b.cfg.kitsDir
		}
		rel, err := filepath.Rel(base, d.Tar)
		if err != nil || strings.HasPrefix(rel, "..") {
			return pkgstore.Entry{}, nil, fmt.Errorf("build-require %s: %s is not under %s", d.Name, d.Tar, base)
		}
		p.BuildRequires = append(p.BuildRequires, pkgbuild.Dep{Name: d.Name, Tar: filepath.ToSlash(rel), Local: local})
	}
	tmp, err := os.CreateTemp(b.cfg.spool, ".build-"+s.Name+"-")
	if err != nil {
		return pkgstore.Entry{}, nil, fmt.Errorf("spool: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	uid, gid := 0, 0
	if s.Owner != nil {
		uid, gid = s.Owner.UID, s.Owner.GID
	}
	stats := &solve.Stats{}
	res, err := pkgbuild.Build(ctx, base, p, pkgbuild.RunOptions{
		Client: cl, SDKStore: cs, Progress: b.cfg.progress, Log: b.cfg.log, Spool: b.cfg.spool, UID: uid, GID: gid,
		Locals:       b.locals(p),
		CacheExports: b.cacheExports(s.Name), CacheImports: b.cacheImports(s.Name), Stats: stats,
	}, tmp)
	if err != nil {
		return pkgstore.Entry{}, nil, err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return pkgstore.Entry{}, nil, err
	}
	m := pkg.Manifest{Name: s.Name, Version: s.Version, Release: s.Release, Arch: b.cfg.arch, Requires: s.Requires, Provides: s.Provides,
		Licenses: []string{s.License}, Files: pkg.FilesSummary{Digest: res.Digest, Size: res.Size, Count: res.Files},
		Sources: src.digests, SpecDigest: s.Digest, InputsDigest: inputs}
	e, err := b.cfg.store.Put(m, tmp)
	if err != nil {
		return pkgstore.Entry{}, nil, err
	}
	return e, steps(stats.Ran()), nil
}

// steps keeps the build and test steps of a solve's executed vertices.
func steps(names []string) []string {
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, ": build") || strings.HasSuffix(n, ": test") {
			out = append(out, n)
		}
	}
	return out
}

// cacheExports and cacheImports are the BuildKit cache entries of one package's solve.
func (b *Builder) cacheExports(name string) []client.CacheOptionsEntry {
	var out []client.CacheOptionsEntry
	for _, x := range b.cfg.cacheTo {
		out = append(out, x.Ref().ExportEntry(name))
	}
	return out
}

func (b *Builder) cacheImports(name string) []client.CacheOptionsEntry {
	var out []client.CacheOptionsEntry
	for _, x := range b.cfg.cacheFrom {
		if e, ok := x.Ref().ImportEntry(name); ok {
			out = append(out, e)
		}
	}
	return out
}

// locals are the host directories the build of p reads: only those it uses.
func (b *Builder) locals(p pkgbuild.Package) map[string]string {
	out := map[string]string{}
	for _, s := range p.Sources {
		switch s.Local {
		case pkgbuild.LocalSpec:
			out[s.Local] = b.cfg.root
		case pkgbuild.LocalSources:
			out[s.Local] = b.cfg.sourcesDir
		}
	}
	for _, d := range p.BuildRequires {
		if d.Local == pkgbuild.LocalKits {
			out[pkgbuild.LocalKits] = b.cfg.kitsDir
		} else {
			out[pkgbuild.LocalPackages] = b.cfg.store.Dir()
		}
	}
	return out
}
