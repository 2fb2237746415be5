package packages

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgbuild"
	"github.com/kitbash-dev/kitbash/builder/source"
	"github.com/kitbash-dev/kitbash/builder/spec"
)

// resolved are one package's sources as the build sees them and as its inputs digest
// records them (in spec order).
type resolved struct {
	build   []pkgbuild.Source
	digests []pkg.SourceDigest
}

// Request turns a fetched kind of spec source into a fetcher request.
func Request(s spec.Source) (source.Request, bool) {
	switch s.Kind() {
	case "url":
		return source.Request{Kind: source.KindURL, URL: s.URL, SHA256: s.SHA256, SHA512: s.SHA512, Name: s.Name}, true
	case "apt":
		return source.Request{Kind: source.KindApt, Apt: s.Apt, Version: s.Version, SHA256: s.SHA256}, true
	case "gomod":
		return source.Request{Kind: source.KindGomod, Gomod: s.Gomod, Version: s.Version, H1: s.H1}, true
	}
	return source.Request{}, false
}

// resolveSources hashes path sources and looks fetched ones up in the source cache,
// fetching them first when fetch is set (otherwise a missing one is an error).
func (b *Builder) resolveSources(ctx context.Context, s *spec.Spec, fetch bool) (resolved, error) {
	var r resolved
	for i, src := range s.Sources {
		line, _ := s.Doc.Pos(fmt.Sprintf("sources[%d]", i))
		if src.Kind() == "path" {
			rel, ok := s.ProjectPath(b.cfg.root, src)
			if !ok {
				return resolved{}, fmt.Errorf("%s: path source %q is outside the project", s.File, src.Path)
			}
			d, err := pkgbuild.PathDigest(filepath.Join(b.cfg.root, filepath.FromSlash(rel)))
			if err != nil {
				return resolved{}, fmt.Errorf("%s: %w", s.File, err)
			}
			r.build = append(r.build, pkgbuild.Source{Name: src.DestName(), Local: pkgbuild.LocalSpec, Path: rel})
			r.digests = append(r.digests, pkg.SourceDigest{Kind: "path", Name: src.Path, Digest: d})
			continue
		}
		req, ok := Request(src)
		if !ok {
			return resolved{}, fmt.Errorf("%s: a source of unknown kind; fix: run kitbash validate", s.File)
		}
		got, hit := b.cfg.fetcher.Lookup(req)
		if !hit {
			if !fetch {
				return resolved{}, fmt.Errorf("%s:%d: sources[%d]: %s is not in the source cache; fix: run kitbash fetch", s.File, line, i, src.Label())
			}
			var err error
			if got, err = b.cfg.fetcher.Fetch(ctx, req); err != nil {
				return resolved{}, fmt.Errorf("%s:%d: sources[%d]: %w", s.File, line, i, err)
			}
		}
		rel, err := filepath.Rel(b.cfg.sourcesDir, got.Path)
		if err != nil || strings.HasPrefix(rel, "..") {
			return resolved{}, fmt.Errorf("%s: fetched %s lies outside the source cache %s", s.File, src.Label(), b.cfg.sourcesDir)
		}
		r.build = append(r.build, pkgbuild.Source{Name: got.Name, Local: pkgbuild.LocalSources, Path: filepath.ToSlash(rel), Unpack: got.Kind == source.KindGomod})
		r.digests = append(r.digests, pkg.SourceDigest{Kind: got.Kind, Name: strings.TrimPrefix(src.Label(), src.Kind()+" "), Digest: got.Digest})
	}
	return r, nil
}
