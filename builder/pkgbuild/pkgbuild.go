// Package pkgbuild turns one package (its spec, fetched sources and built build-requires)
// into LLB, from small named steps:
//
//	root    = merge(SDK, unpacked build-requires...)
//	src     = sources copied (or unpacked) under /src
//	build   = run the spec's build script on root with /src read-only, $DESTDIR=/out
//	test    = run the spec's test script on root with the output read-only; it cannot
//	          change the package: its only writable mount is discarded
//	result  = the build's /out, merged with the test's (empty) scratch so the test runs
package pkgbuild

import (
	"fmt"
	"path"
	"sort"

	"github.com/moby/buildkit/client/llb"

	"github.com/kitbash-dev/kitbash/builder/sandbox"
)

// Local names the solve serves from the host (client.SolveOpt.LocalMounts).
const (
	LocalSpec     = "spec"     // the spec's folder (path sources)
	LocalSources  = "sources"  // the source cache (fetched blobs)
	LocalPackages = "packages" // the package store (build-requires)
	LocalKits     = "kits"     // the OCI store's blobs (build-requires from external kits)
)

// SrcDir and the build's environment.
const (
	SrcDir      = "/src"
	testScratch = "/kitbash-test"
)

// Source is one input file or tree under $SRC.
type Source struct {
	Name   string // path under /src
	Local  string // LocalSpec or LocalSources
	Path   string // file path inside that local
	Unpack bool   // a tar to unpack into /src (gomod trees) instead of a file to copy
}

// Dep is a built build-requirement: its package tar in the package store, or in the
// OCI store when it comes from an external kit.
type Dep struct {
	Name  string
	Tar   string // path of the tar relative to its local
	Local string // LocalPackages (the default) or LocalKits
}

// Package is what the build of one package needs.
type Package struct {
	Name          string
	Build, Test   string
	Network       sandbox.Network
	Sources       []Source
	BuildRequires []Dep
	Epoch         int64
	Env           map[string]string
	// LocalID keeps BuildKit's transfers of host files apart between projects (use a
	// digest of the project's path) and stable between runs, so the LLB is reproducible.
	LocalID string
}

// Definition builds the LLB of one package on the SDK base.
func Definition(base sandbox.Base, p Package) (llb.State, error) {
	if p.Name == "" || p.Build == "" {
		return llb.State{}, fmt.Errorf("package build needs a name and a build script")
	}
	if p.LocalID == "" {
		p.LocalID = "kitbash"
	}
	root := rootFS(base, p.BuildRequires, p.LocalID)
	src := sourceTree(p.Name, p.Sources, p.LocalID)
	build, err := buildStep(p, src).Exec(root, base.Env)
	if err != nil {
		return llb.State{}, err
	}
	out := build.AddMount(sandbox.OutDir, llb.Scratch())
	if p.Test == "" {
		return out, nil
	}
	test, err := testStep(p, src, out).Exec(root, base.Env)
	if err != nil {
		return llb.State{}, err
	}
	proof := test.AddMount(testScratch, llb.Scratch())
	return llb.Merge([]llb.State{out, proof}, llb.WithCustomNamef("%s: package", p.Name)), nil
}

// rootFS is the SDK with every build-requirement unpacked on top (llb.Merge, not copies).
func rootFS(base sandbox.Base, deps []Dep, id string) llb.State {
	if len(deps) == 0 {
		return base.State()
	}
	sorted := append([]Dep(nil), deps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	layers := []llb.State{base.State()}
	for _, d := range sorted {
		layers = append(layers, unpackDep(d, id))
	}
	return llb.Merge(layers, llb.WithCustomName("build-requires"))
}

func unpackDep(d Dep, id string) llb.State {
	from := d.Local
	if from == "" {
		from = LocalPackages
	}
	local := llb.Local(from, llb.IncludePatterns([]string{d.Tar}), llb.SharedKeyHint(from+"/"+d.Tar),
		llb.LocalUniqueID(id+"/"+from),
		llb.WithCustomNamef("build-requires: %s", d.Name))
	return llb.Scratch().File(
		llb.Copy(local, d.Tar, "/", &llb.CopyInfo{AttemptUnpack: true}),
		llb.WithCustomNamef("build-requires: unpack %s", d.Name),
	)
}

// sourceTree lays the sources out under /src.
func sourceTree(pkg string, srcs []Source, id string) llb.State {
	st := llb.Scratch()
	for _, local := range []string{LocalSpec, LocalSources} {
		var files []string
		for _, s := range srcs {
			if s.Local == local {
				files = append(files, s.Path)
			}
		}
		if len(files) == 0 {
			continue
		}
		sort.Strings(files)
		ctx := llb.Local(local, llb.IncludePatterns(files), llb.SharedKeyHint(pkg+"/"+local), llb.LocalUniqueID(id+"/"+local),
			llb.WithCustomNamef("%s: %s", pkg, local))
		for _, s := range srcs {
			if s.Local != local {
				continue
			}
			dest := "/" + s.Name
			if s.Unpack {
				dest = "/"
			}
			st = st.File(llb.Copy(ctx, s.Path, dest, &llb.CopyInfo{AttemptUnpack: s.Unpack, CreateDestPath: true, CopyDirContentsOnly: false}),
				llb.WithCustomNamef("%s: source %s", pkg, path.Clean(s.Name)))
		}
	}
	return st
}
