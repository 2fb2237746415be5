// Package source fetches package sources (plain URLs, Debian binary packages and Go
// modules with their dependencies vendored) before any build into a
// content-addressed cache, so builds themselves need no network.
package source

import (
	"context"
	"fmt"
	"time"
)

// Kinds of Request.
const (
	KindURL   = "url"
	KindApt   = "apt"
	KindGomod = "gomod"
)

// Request is one source to fetch.
type Request struct {
	Kind string // "url" | "apt" | "gomod"

	// url: an http(s) URL, the expected hashes (lowercase hex; SHA512 optional)
	// and the file name it gets (default: the URL's last path element).
	URL    string
	SHA256 string
	SHA512 string
	Name   string

	// apt: a Debian binary package name and exact version; SHA256 is the
	// expected sha256 of the .deb.
	Apt     string
	Version string

	// gomod: a module path, Version = vX.Y.Z, H1 = the go.sum "h1:" hash of
	// the module zip.
	Gomod string
	H1    string
}

// Fetched is a source in the cache.
type Fetched struct {
	Kind   string
	Name   string // file name (url, apt) or directory name (gomod) under $SRC
	Digest string // "sha256:<hex>" of the cached blob
	Path   string // absolute path of the cached blob
	Size   int64
}

// Fetcher fetches sources into the cache. It is safe for concurrent use.
type Fetcher struct {
	cfg *config
	cas cas
}

// New returns a Fetcher. WithCacheDir is required.
func New(opts ...Option) (*Fetcher, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Fetcher{cfg: cfg, cas: cas{root: cfg.cacheDir}}, nil
}

// Fetch returns the source from the cache, fetching and verifying it first when it
// is missing. A cache hit touches no network.
func (f *Fetcher) Fetch(ctx context.Context, r Request) (Fetched, error) {
	if got, ok, err := f.lookup(r); err != nil || ok {
		return got, err
	}
	start := time.Now()
	var (
		got Fetched
		err error
	)
	switch r.Kind {
	case KindURL:
		got, err = f.fetchURL(ctx, r)
	case KindApt:
		got, err = f.fetchApt(ctx, r)
	case KindGomod:
		got, err = f.fetchGomod(ctx, r)
	}
	if err != nil {
		return Fetched{}, err
	}
	fmt.Fprintf(f.cfg.log, "source: fetched %s %s (%d bytes, %s) in %s\n",
		got.Kind, got.Name, got.Size, got.Digest, time.Since(start).Round(time.Millisecond))
	return got, nil
}

// Lookup returns the source when it is already in the cache. It never fetches.
func (f *Fetcher) Lookup(r Request) (Fetched, bool) {
	got, ok, err := f.lookup(r)
	return got, ok && err == nil
}

// lookup validates r and looks it up in the cache.
func (f *Fetcher) lookup(r Request) (Fetched, bool, error) {
	switch r.Kind {
	case KindURL:
		name, err := validateURL(r)
		if err != nil {
			return Fetched{}, false, err
		}
		got, ok := f.blob(KindURL, name, r.SHA256)
		return got, ok, nil
	case KindApt:
		if err := validateApt(r); err != nil {
			return Fetched{}, false, err
		}
		got, ok := f.lookupApt(r)
		return got, ok, nil
	case KindGomod:
		if err := validateGomod(r); err != nil {
			return Fetched{}, false, err
		}
		got, ok := f.lookupGomod(r)
		return got, ok, nil
	default:
		return Fetched{}, false, fmt.Errorf("source: unknown kind %q; fix: use one of url, apt, gomod", r.Kind)
	}
}

// blob returns the cached blob hexSum as a Fetched, if present.
func (f *Fetcher) blob(kind, name, hexSum string) (Fetched, bool) {
	size, ok := f.cas.stat(hexSum)
	if !ok {
		return Fetched{}, false
	}
	return Fetched{Kind: kind, Name: name, Digest: "sha256:" + hexSum, Path: f.cas.blobPath(hexSum), Size: size}, true
}
