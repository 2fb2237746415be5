package packages

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/moby/buildkit/client"

	"github.com/kitbash-dev/kitbash/builder/graph"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgcache"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/source"
	"github.com/kitbash-dev/kitbash/builder/spec"
)

// fixture is a project with two path-sourced packages (app build-requires lib) and a
// builder whose engine must not be used: connecting fails the test.
type fixture struct {
	root, storeDir string
	specs          []*spec.Spec
	graph          *graph.Graph
	connects       int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{root: t.TempDir(), storeDir: t.TempDir()}
	for name, body := range map[string]string{
		"lib": "schema-version: 1\nname: lib\nversion: 1\nrelease: 1\nsummary: l\nlicense: MIT\nsources:\n  - path: files\nbuild: cp -r files $DESTDIR\n",
		"app": "schema-version: 1\nname: app\nversion: 2\nrelease: 1\nsummary: a\nlicense: MIT\nbuild-requires: [lib]\nbuild: echo app > $DESTDIR/app\n",
	} {
		dir := filepath.Join(f.root, "specs", name)
		if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "files", "data"), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	specs, err := spec.LoadAll(f.root, f.root)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []graph.Node
	for _, s := range specs {
		nodes = append(nodes, graph.Node{Name: s.Name, Doc: s.Doc, BuildRequires: s.BuildRequires, Requires: s.Requires})
	}
	g, err := graph.Resolve(nodes)
	if err != nil {
		t.Fatal(err)
	}
	f.specs, f.graph = specs, g
	return f
}

func (f *fixture) builder(t *testing.T, extra ...Option) *Builder {
	t.Helper()
	store, err := pkgstore.Open(f.storeDir)
	if err != nil {
		t.Fatal(err)
	}
	srcDir := t.TempDir()
	fetcher, err := source.New(source.WithCacheDir(srcDir))
	if err != nil {
		t.Fatal(err)
	}
	opts := append([]Option{
		WithProjectDir(f.root), WithStore(store), WithFetcher(fetcher, srcDir), WithSourceDateEpoch(1),
		WithSDK("sha256:sdk", func(context.Context) (sandbox.Base, content.Store, error) {
			return sandbox.Base{Ref: "sdk@sha256:sdk"}, nil, nil
		}),
		WithEngine(func(context.Context) (*client.Client, error) {
			f.connects++
			return nil, errors.New("the engine must not be used")
		}),
	}, extra...)
	b, err := New(f.specs, f.graph, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seed stores what a build of every package would have produced, by inputs digest.
func (f *fixture) seed(t *testing.T, b *Builder) {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"lib", "app"} {
		s := b.specs[name]
		src, err := b.resolveSources(context.Background(), s, false)
		if err != nil {
			t.Fatal(err)
		}
		in := pkg.Inputs{SpecDigest: s.Digest, Sources: src.digests, BuildRequires: map[string]string{}, SDKDigest: "sha256:sdk", Arch: "x86_64", Epoch: 1, Builder: RecipeVersion}
		for _, d := range f.graph.SandboxDeps(name) {
			in.BuildRequires[d] = files[d]
		}
		inputs, err := in.Digest()
		if err != nil {
			t.Fatal(err)
		}
		tar := strings.Repeat("\x00", 1024) // an empty tar
		files[name] = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
		m := pkg.Manifest{Name: name, Version: s.Version, Release: 1, Arch: "x86_64", Files: pkg.FilesSummary{Digest: files[name], Size: 1024}, InputsDigest: inputs}
		if _, err := b.cfg.store.Put(m, strings.NewReader(tar)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNoOpBuildNeverConnects(t *testing.T) {
	f := newFixture(t)
	b := f.builder(t)
	f.seed(t, b)
	res, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Name != "lib" || res[1].Name != "app" {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		if r.Status != StatusStored {
			t.Errorf("%s: %s", r.Name, r.Status)
		}
	}
	if f.connects != 0 {
		t.Fatalf("a no-op build connected to the engine %d times", f.connects)
	}
}

func TestChangedSourceNeedsTheEngine(t *testing.T) {
	f := newFixture(t)
	b := f.builder(t)
	f.seed(t, b)
	if err := os.WriteFile(filepath.Join(f.root, "specs", "lib", "files", "data"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := b.Build(context.Background(), "app")
	if err == nil || !strings.Contains(err.Error(), "package lib: the engine must not be used") {
		t.Fatalf("err = %v", err)
	}
	if f.connects != 1 {
		t.Fatalf("connects = %d", f.connects)
	}
}

func TestCacheFromImportsWithoutEngine(t *testing.T) {
	f := newFixture(t)
	seeded := f.builder(t)
	f.seed(t, seeded)
	ref, err := pkgcache.Parse(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	x, err := pkgcache.New(ref)
	if err != nil {
		t.Fatal(err)
	}
	// Export everything from the seeded store through a no-op build with --cache-to.
	exp := f.builder(t, WithCacheTo(x))
	if _, err := exp.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A fresh store, the same cache: every package is imported, the engine unused.
	f.storeDir = t.TempDir()
	imp := f.builder(t, WithCacheFrom(x))
	res, err := imp.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != StatusImported {
			t.Errorf("%s: %s", r.Name, r.Status)
		}
	}
	if f.connects != 0 {
		t.Fatalf("connects = %d", f.connects)
	}
}

func TestReleaseRefusesNetworkSpec(t *testing.T) {
	f := newFixture(t)
	for _, s := range f.specs {
		if s.Name == "lib" {
			s.Network = spec.NetworkSandbox
		}
	}
	_, err := f.builder(t, WithRelease(true)).Build(context.Background(), "app")
	if err == nil || !strings.Contains(err.Error(), "package lib opts into the network, which --release refuses") {
		t.Fatalf("err = %v", err)
	}
}

func TestMissingFetchedSourceStopsBeforeTheEngine(t *testing.T) {
	f := newFixture(t)
	for _, s := range f.specs {
		if s.Name == "app" {
			s.Sources = append(s.Sources, spec.Source{URL: "https://example.org/x.tar.gz", SHA256: strings.Repeat("a", 64)})
		}
	}
	_, err := f.builder(t).Build(context.Background())
	if err == nil || !strings.Contains(err.Error(), "url https://example.org/x.tar.gz is not in the source cache; fix: run kitbash fetch") || f.connects != 0 {
		t.Fatalf("err = %v, connects = %d", err, f.connects)
	}
}
