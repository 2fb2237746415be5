package pkgbuild

import (
	"context"
	"flag"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"

	"github.com/kitbash-dev/kitbash/builder/internal/llbgolden"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
)

var update = flag.Bool("update", false, "rewrite golden files")

func base() sandbox.Base {
	return sandbox.Base{Ref: "kitbash-sdk@sha256:" + strings.Repeat("ab", 32), StoreID: "kitbash-store", Env: []string{"PATH=/usr/bin:/bin"}}
}

func sample() Package {
	return Package{
		Name:  "hello",
		Build: "make install DESTDIR=\"$DESTDIR\"",
		Test:  "\"$DESTDIR/usr/bin/hello\" --version",
		Sources: []Source{
			{Name: "hello.tar.gz", Local: LocalSources, Path: "sha256/" + strings.Repeat("1", 64)},
			{Name: "files/hello.conf", Local: LocalSpec, Path: "files/hello.conf"},
			{Name: "vendor-tree", Local: LocalSources, Path: "sha256/" + strings.Repeat("2", 64), Unpack: true},
		},
		BuildRequires: []Dep{{Name: "zlib", Tar: strings.Repeat("c", 64) + "/package.tar"}, {Name: "go", Tar: strings.Repeat("d", 64) + "/package.tar"}},
		Epoch:         1700000000,
	}
}

func marshal(t *testing.T, p Package) *llb.Definition {
	t.Helper()
	st, err := Definition(base(), p)
	if err != nil {
		t.Fatal(err)
	}
	def, err := st.Marshal(context.Background(), llb.LinuxAmd64)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestPackageGolden(t *testing.T) {
	llbgolden.Check(t, "hello.golden", llbgolden.Render(t, marshal(t, sample())), *update)
}

func TestPackageWithoutTestOrDepsGolden(t *testing.T) {
	p := sample()
	p.Test, p.BuildRequires, p.Sources = "", nil, nil
	llbgolden.Check(t, "minimal.golden", llbgolden.Render(t, marshal(t, p)), *update)
}

func execs(t *testing.T, def *llb.Definition) map[string]*pb.ExecOp {
	t.Helper()
	m := map[string]*pb.ExecOp{}
	ops := llbgolden.Ops(t, def)
	for i, op := range ops {
		if ex := op.GetExec(); ex != nil {
			m[def.Metadata[digestOf(def, i)].Description["llb.customname"]] = ex
		}
	}
	return m
}

func TestBuildHasNoNetworkAndTestCannotWriteThePackage(t *testing.T) {
	def := marshal(t, sample())
	ex := execs(t, def)
	build, test := ex["hello: build"], ex["hello: test"]
	if build == nil || test == nil {
		t.Fatalf("want build and test execs, got %v", keys(ex))
	}
	if build.Network != pb.NetMode_NONE || test.Network != pb.NetMode_NONE {
		t.Fatalf("network: build %v, test %v", build.Network, test.Network)
	}
	for _, m := range test.Mounts {
		if m.Dest == sandbox.OutDir && !m.Readonly {
			t.Fatal("the test step may write the package output")
		}
	}
	for _, m := range build.Mounts {
		if m.Dest == SrcDir && !m.Readonly {
			t.Fatal("sources are writable in the build step")
		}
	}
	var caches int
	for _, m := range build.Mounts {
		if m.MountType == pb.MountType_CACHE {
			caches++
		}
	}
	if caches == 0 {
		t.Fatal("no compiler cache mounts in the build step")
	}
}

func TestNetworkOptIn(t *testing.T) {
	p := sample()
	p.Network = sandbox.NetworkSandbox
	if ex := execs(t, marshal(t, p))["hello: build"]; ex.Network == pb.NetMode_NONE {
		t.Fatal("a spec that opts in gets network")
	}
}

func TestBuildRequiresAreMerged(t *testing.T) {
	var merges int
	for _, op := range llbgolden.Ops(t, marshal(t, sample())) {
		if m := op.GetMerge(); m != nil && len(m.Inputs) == 3 {
			merges++
		}
	}
	if merges == 0 {
		t.Fatal("want the SDK and two build-requires merged with llb.Merge")
	}
}

func TestNeedsNameAndBuild(t *testing.T) {
	if _, err := Definition(base(), Package{Name: "x"}); err == nil {
		t.Fatal("a package without a build script must be refused")
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
