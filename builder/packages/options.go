// Package packages builds a project's packages: it resolves the graph, fetches every
// source before any build, computes each package's inputs digest, and takes each
// package from the local store, a shared cache, or a build on the engine, in that
// order. Independent packages build in parallel. A build in which nothing changed
// never connects to the engine.
package packages

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/moby/buildkit/client"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgcache"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/solve"
	"github.com/kitbash-dev/kitbash/builder/source"
)

// RecipeVersion is the version of the package build recipe (the LLB shape in pkgbuild
// and the environment of its steps). Bump it with every change to either: it is part
// of every inputs digest, so stored packages are not reused across recipes.
const RecipeVersion = "3"

// Connect returns a BuildKit client; it is called once, when the first package needs a
// build. The caller closes the engine after Build returns.
type Connect func(ctx context.Context) (*client.Client, error)

// SDK returns the base image of build steps and the content store serving it; it is
// called once, when the first package needs a build.
type SDK func(ctx context.Context) (sandbox.Base, content.Store, error)

// Option configures a Builder.
type Option func(*config) error

type config struct {
	root       string // absolute project directory
	store      *pkgstore.Store
	fetcher    *source.Fetcher
	sourcesDir string // the fetcher's cache directory
	sdkDigest  string
	sdk        SDK
	connect    Connect
	epoch      int64
	arch       string
	release    bool
	jobs       int
	cacheTo    []*pkgcache.Exchange
	cacheFrom  []*pkgcache.Exchange
	external   map[string]External
	kitsDir    string // the OCI store's blob directory, where external tars live
	progress   solve.Progress
	log        io.Writer
	spool      string
}

func newConfig(opts []Option) (*config, error) {
	c := &config{arch: "x86_64", jobs: 2, log: io.Discard, progress: solve.ProgressAuto}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.jobs > 1 && (c.progress == solve.ProgressAuto || c.progress == solve.ProgressTTY) {
		// Parallel solves cannot share a terminal display; plain lines interleave cleanly.
		c.progress = solve.ProgressPlain
	}
	switch {
	case c.root == "":
		return nil, errors.New("packages: WithProjectDir is required")
	case c.store == nil:
		return nil, errors.New("packages: WithStore is required")
	case c.fetcher == nil:
		return nil, errors.New("packages: WithFetcher is required")
	case c.sdkDigest == "" || c.sdk == nil:
		return nil, errors.New("packages: WithSDK is required")
	case c.connect == nil:
		return nil, errors.New("packages: WithEngine is required")
	}
	return c, nil
}

// WithProjectDir is the absolute project directory (path sources are read below it).
func WithProjectDir(dir string) Option { return func(c *config) error { c.root = dir; return nil } }

// WithStore is the local package store.
func WithStore(s *pkgstore.Store) Option { return func(c *config) error { c.store = s; return nil } }

// WithFetcher fetches url, apt and gomod sources into the cache at dir.
func WithFetcher(f *source.Fetcher, dir string) Option {
	return func(c *config) error { c.fetcher, c.sourcesDir = f, dir; return nil }
}

// WithSDK is the locked SDK: its manifest digest (an input of every package) and how to
// load it when a build is needed.
func WithSDK(digest string, load SDK) Option {
	return func(c *config) error { c.sdkDigest, c.sdk = digest, load; return nil }
}

// WithEngine connects to BuildKit when a build is needed.
func WithEngine(connect Connect) Option {
	return func(c *config) error { c.connect = connect; return nil }
}

// WithSourceDateEpoch is SOURCE_DATE_EPOCH for every build step and every package tar.
func WithSourceDateEpoch(sec int64) Option {
	return func(c *config) error {
		if sec < 0 {
			return fmt.Errorf("packages: SOURCE_DATE_EPOCH %d is negative", sec)
		}
		c.epoch = sec
		return nil
	}
}

// WithRelease refuses specs that opt into the network.
func WithRelease(on bool) Option { return func(c *config) error { c.release = on; return nil } }

// WithJobs is how many packages build at once (default 2).
func WithJobs(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("packages: jobs %d: fix: use 1 or more", n)
		}
		c.jobs = n
		return nil
	}
}

// WithCacheTo exports BuildKit's cache and every package to x after it is built or
// taken from the store.
func WithCacheTo(x *pkgcache.Exchange) Option {
	return func(c *config) error {
		c.cacheTo = append(c.cacheTo, x)
		return nil
	}
}

// WithCacheFrom imports packages and BuildKit's cache from x.
func WithCacheFrom(x *pkgcache.Exchange) Option {
	return func(c *config) error {
		c.cacheFrom = append(c.cacheFrom, x)
		return nil
	}
}

// External is a package that comes built from an external kit.
type External struct {
	Kit      string
	Manifest pkg.Manifest
	Tar      string // a blob of the OCI store
}

// WithExternal makes packages of external kits available: they are never built, only
// used as build-requires. blobDir is the OCI store's blob directory holding their tars.
func WithExternal(pkgs map[string]External, blobDir string) Option {
	return func(c *config) error { c.external, c.kitsDir = pkgs, blobDir; return nil }
}

// WithProgress is BuildKit's progress display mode.
func WithProgress(p solve.Progress) Option {
	return func(c *config) error { c.progress = p; return nil }
}

// WithLog receives progress and one line per package.
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			w = io.Discard
		}
		c.log = w
		return nil
	}
}

// WithSpool is a directory for temporary files (default: the store's).
func WithSpool(dir string) Option { return func(c *config) error { c.spool = dir; return nil } }
