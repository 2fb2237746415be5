package cli

import (
	"fmt"
	"path/filepath"

	"github.com/kitbash-dev/kitbash/builder/graph"
	"github.com/kitbash-dev/kitbash/builder/kitset"
	"github.com/kitbash-dev/kitbash/builder/packages"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/source"
	"github.com/kitbash-dev/kitbash/builder/spec"
	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// projectSpecs is a project with its package specs resolved into one graph.
type projectSpecs struct {
	project *project.Loaded
	specs   []*spec.Spec
	graph   *graph.Graph
	shown   string // the project directory as messages name it
	// external are the packages external kits carry (after prefer:), blobDir where
	// their tars are.
	external map[string]packages.External
	blobDir  string
}

// needSpecs is an error when the project has no package specs.
func (ps projectSpecs) needSpecs() error {
	if len(ps.specs) == 0 {
		return fmt.Errorf("no package specs in %s; fix: add specs/<name>/%s (see the README's package spec format)", filepath.Join(ps.shown, spec.Dir), spec.FileName)
	}
	return nil
}

// loadSpecs loads the project, every spec and, for a project without external kits, the
// graph, reporting the problems of all of them at once. Verbs that use the graph call
// withKits next, which resolves it with the external kits' packages.
func (g *globals) loadSpecs() (projectSpecs, error) {
	l, err := g.project()
	if err != nil {
		return projectSpecs{}, err
	}
	// Files are named as the user named the project: by -C, or relative to here.
	shown := g.projectDir
	if shown == "" {
		if shown, err = filepath.Rel(g.cwd(), l.Dir); err != nil {
			shown = l.Dir
		}
	}
	specs, specErr := spec.LoadAll(l.Dir, shown)
	var gr *graph.Graph
	var graphErr error
	if len(l.Project.Kits) == 0 && len(l.Lock.Kits) == 0 {
		// With external kits the graph also holds their packages: withKits resolves it.
		nodes := make([]graph.Node, 0, len(specs))
		for _, s := range specs {
			nodes = append(nodes, specNode(s))
		}
		gr, graphErr = graph.Resolve(nodes)
	}
	if err := yamlstrict.Combine(specErr, graphErr); err != nil {
		return projectSpecs{}, err
	}
	return projectSpecs{project: l, specs: specs, graph: gr, shown: shown}, nil
}

// goEnv is the environment the go command of gomod sources sees.
func (g *globals) goEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOINSECURE", "GOTOOLCHAIN", "GOFLAGS", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "SSL_CERT_FILE"} {
		if v := g.env(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// sourcesDir is the content-addressed source cache.
func (g *globals) sourcesDir() string { return filepath.Join(g.cacheDir, "sources") }

// packagesDir is the local package store.
func (g *globals) packagesDir() string { return filepath.Join(g.cacheDir, "packages") }

// fetcher makes the source fetcher for the project.
func (g *globals) fetcher(l *project.Loaded, epoch int64) (*source.Fetcher, error) {
	return source.New(
		source.WithCacheDir(g.sourcesDir()),
		source.WithLookaside(l.Project.Sources.Lookaside),
		source.WithGoEnv(g.goEnv()),
		source.WithSourceDateEpoch(epoch),
		source.WithLog(g.stderr),
	)
}

// cwd is the working directory for shortening file names in messages.
func (g *globals) cwd() string {
	dir, err := filepath.Abs(".")
	if err != nil {
		return "/"
	}
	return dir
}

// specNode is a spec as the resolver sees it.
func specNode(s *spec.Spec) graph.Node {
	return graph.Node{Name: s.Name, Doc: s.Doc, BuildRequires: s.BuildRequires, Requires: s.Requires, Provides: s.Provides}
}

// localProvider is the project's own specs as a provider of packages among kits.
func localProvider(specs []*spec.Spec) kitset.Provider {
	p := kitset.Provider{Name: kitset.Local}
	for _, s := range specs {
		p.Packages = append(p.Packages, kitset.Member{Manifest: pkg.Manifest{Name: s.Name, Requires: s.Requires, Provides: s.Provides}})
	}
	return p
}
