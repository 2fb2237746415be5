package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"

	"github.com/kitbash-dev/kitbash/builder/packages"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgbuild"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/source"
	"github.com/kitbash-dev/kitbash/builder/spec"
)

// coldPkg is the package the cold build row builds: runc costs a moderate 40 s or so
// cold, needs no other package (no build-requires) and exercises the usual parts of a
// package build: a vendored Go module tree unpacked under $SRC, a Debian .deb source,
// a cgo static-pie link against libseccomp, and a test step.
const coldPkg = "runc"

// coldPackage: `kitbash build packages runc` from nothing — its own new engine (so an
// empty BuildKit cache, compiler caches included) and its own cache directory whose
// package store is empty (it holds hard links to the SDK's OCI store and the fetched
// sources, nothing else) — timed from the command's start to its end, engine start and
// SDK import included. The baseline is the same build without kitbash: a bare
// buildkitd with an empty root started by hand, and `buildctl build` of the same LLB
// (same SDK, scripts and sources, from a cache directory linked the same way)
// exporting a tar, timed from starting buildkitd to buildctl's exit. The two alternate; kitbash also
// normalizes the tar and writes it to its store, and its result must be the baseline's
// tar normalized.
func (b *bench) coldPackage(ctx context.Context) (row, error) {
	const n = 3
	cache, err := b.cacheDir()
	if err != nil {
		return row{}, err
	}
	base, _, err := b.sdkBase()
	if err != nil {
		return row{}, err
	}
	epoch, err := b.epoch()
	if err != nil {
		return row{}, err
	}
	def, err := b.coldDefinition(ctx, base, filepath.Join(cache, "sources"), epoch)
	if err != nil {
		return row{}, err
	}
	defFile := filepath.Join(b.state, "cold.llb")
	if err := os.WriteFile(defFile, def, 0o644); err != nil {
		return row{}, err
	}
	tarFile := filepath.Join(b.state, "cold.tar")
	defer os.Remove(tarFile)
	var kb, base2 []time.Duration
	var files string
	fmt.Fprintf(os.Stderr, "bench: %d × building %s from an empty cache with kitbash and with buildctl\n", n, coldPkg)
	for i := 0; i < n; i++ {
		runs := []func() error{
			func() error {
				d, digest, err := b.coldKitbash(cache, i)
				kb, files = append(kb, d), digest
				return err
			},
			func() error {
				d, err := b.coldBuildctl(ctx, i, defFile, cache, tarFile)
				base2 = append(base2, d)
				return err
			},
		}
		if i%2 == 1 {
			runs[0], runs[1] = runs[1], runs[0]
		}
		for _, r := range runs {
			if err := r(); err != nil {
				return row{}, err
			}
		}
	}
	same, err := normalizedDigest(tarFile, epoch)
	if err != nil {
		return row{}, err
	}
	note := fmt.Sprintf("%s: kitbash's package (%s) is the buildctl tar normalized", coldPkg, files)
	if same != files {
		note = fmt.Sprintf("%s: kitbash's package %s differs from the buildctl tar normalized (%s)!", coldPkg, files, same)
	}
	return row{Name: fmt.Sprintf("cold `build packages %s` (new engine, empty store)", coldPkg), Kitbash: median(kb),
		BaselineName: "bare buildkitd + buildctl build, same LLB", Baseline: median(base2), Runs: n, Note: note}, nil
}

// epoch is the project's SOURCE_DATE_EPOCH as kitbash takes it in a git checkout.
func (b *bench) epoch() (int64, error) {
	s, err := b.sourceDateEpoch()
	if err != nil {
		return 0, err
	}
	e, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
	}
	return e, nil
}

// coldDefinition is the LLB kitbash solves for coldPkg, made as packages.Builder makes
// it: its spec, its fetched sources from the source cache in sources, the SDK base.
func (b *bench) coldDefinition(ctx context.Context, base sandbox.Base, sources string, epoch int64) ([]byte, error) {
	l, err := project.Load(b.f.project)
	if err != nil {
		return nil, err
	}
	s, err := spec.Load(l.Dir, l.Dir, coldPkg)
	if err != nil || s == nil {
		return nil, fmt.Errorf("spec %s: %v", coldPkg, err)
	}
	if len(s.BuildRequires) > 0 {
		return nil, fmt.Errorf("spec %s has build-requires; the cold build row needs a package that has none", coldPkg)
	}
	f, err := source.New(source.WithCacheDir(sources), source.WithSourceDateEpoch(epoch)) // gomod trees depend on it
	if err != nil {
		return nil, err
	}
	root := sha256.Sum256([]byte(l.Dir)) // packages.localID
	p := pkgbuild.Package{Name: s.Name, Build: s.Build, Test: s.Test, Epoch: epoch, LocalID: "kitbash-" + hex.EncodeToString(root[:8]),
		Env: map[string]string{"PKG_NAME": s.Name, "PKG_VERSION": s.Version, "PKG_RELEASE": strconv.Itoa(s.Release)}}
	if s.Network == spec.NetworkSandbox {
		p.Network = sandbox.NetworkSandbox
	}
	for _, src := range s.Sources {
		req, ok := packages.Request(src)
		if !ok {
			return nil, fmt.Errorf("spec %s: source %s is not a fetched one; the cold build row does not serve path sources", coldPkg, src.Label())
		}
		got, hit := f.Lookup(req)
		if !hit {
			return nil, fmt.Errorf("spec %s: %s is not in the source cache %s; fix: run `make packages` (or kitbash fetch)", coldPkg, src.Label(), sources)
		}
		rel, err := filepath.Rel(sources, got.Path)
		if err != nil {
			return nil, err
		}
		p.Sources = append(p.Sources, pkgbuild.Source{Name: got.Name, Local: pkgbuild.LocalSources, Path: filepath.ToSlash(rel), Unpack: got.Kind == source.KindGomod})
	}
	st, err := pkgbuild.Definition(base, p)
	if err != nil {
		return nil, err
	}
	def, err := st.Marshal(ctx, llb.LinuxAmd64)
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", coldPkg, err)
	}
	var buf strings.Builder
	if err := llb.WriteTo(def, &buf); err != nil {
		return nil, err
	}
	return []byte(buf.String()), nil
}

// coldKitbash times one `kitbash build packages coldPkg` with a new state directory (its
// own engine) and a new cache directory next to cache, and returns the package's files
// digest. It stops that engine and removes both directories.
func (b *bench) coldKitbash(cache string, i int) (time.Duration, string, error) {
	state := filepath.Join(b.state, fmt.Sprintf("cold%d", i))
	defer os.RemoveAll(state)
	c, err := os.MkdirTemp(filepath.Dir(cache), "kitbash-bench-cold-") // hard links need the same file system
	if err != nil {
		return 0, "", err
	}
	defer os.RemoveAll(c)
	if err := linkCache(cache, c); err != nil {
		return 0, "", err
	}
	args := []string{"--state-dir", state, "--cache-dir", c, "--buildkitd", b.f.buildkitd, "-C", b.f.project, "--progress", "quiet", "-o", "json"}
	defer exec.Command(b.f.kitbash, "--state-dir", state, "engine", "stop").Run()
	cmd := exec.Command(b.f.kitbash, append(args, "build", "packages", coldPkg)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	out, err := cmd.Output()
	d := time.Since(t0)
	if err != nil {
		return 0, "", fmt.Errorf("kitbash build packages %s (cold): %v\n%s", coldPkg, err, stderr.String())
	}
	var res []packages.Result
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, "", fmt.Errorf("kitbash build packages %s: output: %w", coldPkg, err)
	}
	if len(res) != 1 || res[0].Name != coldPkg || res[0].Status != packages.StatusBuilt {
		return 0, "", fmt.Errorf("kitbash build packages %s from an empty store: %s, want %s built alone", coldPkg, out, coldPkg)
	}
	return d, res[0].Files, nil
}

// linkCache makes dst a kitbash cache directory with cache's OCI store (the SDK) and
// fetched sources, hard-linked, and nothing else: no built package.
func linkCache(cache, dst string) error {
	for _, d := range []string{"oci/blobs", "sources/index", "sources/sha256"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, d)), 0o755); err != nil {
			return err
		}
		if out, err := exec.Command("cp", "-al", filepath.Join(cache, d), filepath.Join(dst, d)).CombinedOutput(); err != nil {
			return fmt.Errorf("link %s into a new cache: %v %s", d, err, out)
		}
	}
	for _, f := range []string{"oci/index.json", "oci/oci-layout"} {
		if out, err := exec.Command("cp", filepath.Join(cache, f), filepath.Join(dst, f)).CombinedOutput(); err != nil {
			return fmt.Errorf("copy %s into a new cache: %v %s", f, err, out)
		}
	}
	return nil
}

// coldBuildctl times a bare buildkitd with an empty root from its start to the end of
// `buildctl build` of the LLB in defFile, which writes its tar to tarFile. Its OCI
// store and sources come from a new cache directory linked from cache, as kitbash's do.
func (b *bench) coldBuildctl(ctx context.Context, i int, defFile, cache, tarFile string) (time.Duration, error) {
	dir := filepath.Join(b.state, fmt.Sprintf("rawcold%d", i))
	defer os.RemoveAll(dir)
	c, err := os.MkdirTemp(filepath.Dir(cache), "kitbash-bench-cold-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(c)
	if err := linkCache(cache, c); err != nil {
		return 0, err
	}
	defer b.stopRaw()
	t0 := time.Now()
	addr, err := b.startRaw(ctx, dir)
	if err != nil {
		return 0, err
	}
	in, err := os.Open(defFile)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	cmd := exec.Command(b.f.buildctl, "--addr", addr, "build", "--progress", "quiet",
		"--local", pkgbuild.LocalSources+"="+filepath.Join(c, "sources"), "--oci-layout", "kitbash-store="+filepath.Join(c, "oci"),
		"--output", "type=tar,dest="+tarFile)
	cmd.Stdin = in
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("buildctl build %s (cold): %v\n%s", coldPkg, err, out)
	}
	return time.Since(t0), nil
}

// normalizedDigest is the digest of tarFile normalized as kitbash stores packages.
func normalizedDigest(tarFile string, epoch int64) (string, error) {
	f, err := os.Open(tarFile)
	if err != nil {
		return "", err
	}
	defer f.Close()
	res, err := pkg.Normalize(f, io.Discard, pkg.NormalizeOptions{Epoch: time.Unix(epoch, 0).UTC()})
	if err != nil {
		return "", fmt.Errorf("normalize the buildctl tar: %w", err)
	}
	return res.Digest, nil
}
