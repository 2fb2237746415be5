package cli

import (
	"context"
	"fmt"

	"github.com/containerd/containerd/v2/core/content"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/client"

	"github.com/kitbash-dev/kitbash/builder/engine"
	"github.com/kitbash-dev/kitbash/builder/packages"
	"github.com/kitbash-dev/kitbash/builder/pkgcache"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

// buildFlags are the flags of verbs that build packages.
type buildFlags struct {
	kitFlags       // release applies to specs (no network) and to kits
	build     bool // the verb builds (needs the locked SDK), rather than only fetching
	jobs      int
	cacheTo   []string
	cacheFrom []string
}

// packageBuilder makes the package builder of a loaded project. The engine is started
// (or connected to) only when a package needs a build; the returned func closes it.
func (g *globals) packageBuilder(ps projectSpecs, f buildFlags) (*packages.Builder, func(), error) {
	l := ps.project
	// Fetching needs no SDK; building does, so a missing or stale lock stops only a build.
	sdkDigest, sdkErr := "unlocked", l.Lock.SDKFresh(l.Project)
	var h v1.Hash
	if sdkErr == nil {
		if h, sdkErr = v1.NewHash(l.Lock.SDK.Digest); sdkErr != nil {
			sdkErr = fmt.Errorf("%s: sdk.digest %q: %w", project.LockName, l.Lock.SDK.Digest, sdkErr)
		} else {
			sdkDigest = h.String()
		}
	}
	if sdkErr != nil && f.build {
		return nil, nil, sdkErr
	}
	epoch, err := g.sourceDateEpoch(l.Dir, project.FileName)
	if err != nil {
		return nil, nil, err
	}
	fetcher, err := g.fetcher(l, epoch)
	if err != nil {
		return nil, nil, err
	}
	store, err := pkgstore.Open(g.packagesDir())
	if err != nil {
		return nil, nil, err
	}
	var eng *engine.Engine
	closeEngine := func() {
		if eng != nil {
			eng.Close()
		}
	}
	connect := func(ctx context.Context) (*client.Client, error) {
		e, err := g.engine(ctx, g.startOptions()...)
		if err != nil {
			return nil, err
		}
		eng = e
		return e.Client, nil
	}
	loadSDK := func(ctx context.Context) (sandbox.Base, content.Store, error) {
		if sdkErr != nil {
			return sandbox.Base{}, nil, sdkErr
		}
		oci, err := g.store()
		if err != nil {
			return sandbox.Base{}, nil, err
		}
		if !oci.Has(h) {
			return sandbox.Base{}, nil, fmt.Errorf("sdk %s is not in the local store %s; fix: run `kitbash sdk build`, or `kitbash sdk pull REPO@%s`", h, oci.Dir(), h)
		}
		cfg, err := sdk.LoadConfig(oci, h)
		if err != nil {
			return sandbox.Base{}, nil, err
		}
		cs, err := oci.ContentStore(ctx)
		if err != nil {
			return sandbox.Base{}, nil, err
		}
		return sandbox.Base{Ref: sdk.ImageName(l.Lock.SDK.Name, h), StoreID: "kitbash-store", Env: cfg.Env}, cs, nil
	}
	opts := []packages.Option{
		packages.WithProjectDir(l.Dir),
		packages.WithStore(store),
		packages.WithFetcher(fetcher, g.sourcesDir()),
		packages.WithSDK(sdkDigest, loadSDK),
		packages.WithEngine(connect),
		packages.WithSourceDateEpoch(epoch),
		packages.WithRelease(f.release),
		packages.WithProgress(g.progressMode()),
		packages.WithLog(g.stderr),
	}
	if f.jobs > 0 {
		opts = append(opts, packages.WithJobs(f.jobs))
	}
	for _, flag := range []struct {
		name string
		refs []string
		opt  func(*pkgcache.Exchange) packages.Option
	}{{"--cache-from", f.cacheFrom, packages.WithCacheFrom}, {"--cache-to", f.cacheTo, packages.WithCacheTo}} {
		for _, s := range flag.refs {
			ref, err := pkgcache.Parse(s)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", flag.name, err)
			}
			x, err := pkgcache.New(ref, pkgcache.WithLog(g.stderr), pkgcache.WithTempDir(store.Dir()))
			if err != nil {
				return nil, nil, fmt.Errorf("%s %s: %w", flag.name, s, err)
			}
			opts = append(opts, flag.opt(x))
		}
	}
	if len(ps.external) > 0 {
		opts = append(opts, packages.WithExternal(ps.external, ps.blobDir))
	}
	b, err := packages.New(ps.specs, ps.graph, opts...)
	if err != nil {
		return nil, nil, err
	}
	return b, closeEngine, nil
}
