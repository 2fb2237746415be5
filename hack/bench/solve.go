package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/client/llb"

	"github.com/kitbash-dev/kitbash/builder/engine"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

// cachedSolve: an in-process solve of a sandbox step that BuildKit has cached, against
// the floor of one gRPC round trip (Info) on the same connection.
func (b *bench) cachedSolve(ctx context.Context) (row, error) {
	base, store, err := b.sdkBase()
	if err != nil {
		return row{}, err
	}
	cs, err := store.ContentStore(ctx)
	if err != nil {
		return row{}, err
	}
	e, err := engine.Ensure(ctx, engine.WithStateDir(b.state), engine.WithBuildkitd(b.f.buildkitd))
	if err != nil {
		return row{}, err
	}
	defer e.Close()
	step := sandbox.Step{Name: "bench: cached step", Script: "echo bench > /out/result", Epoch: 1700000000}
	solveOnce := func() error {
		out, err := os.MkdirTemp("", "kb-bench-out-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(out)
		return sandbox.Run(ctx, e.Client, cs, base, step, sandbox.RunOptions{OutDir: out})
	}
	if err := solveOnce(); err != nil { // warm the cache
		return row{}, err
	}
	kb, err := timeIt(b.f.runs, solveOnce)
	if err != nil {
		return row{}, err
	}
	// Baseline: BuildKit's own client solving the identical definition.
	def, err := sandbox.Definition(ctx, base, step)
	if err != nil {
		return row{}, err
	}
	defFile := filepath.Join(b.state, "bench.llb")
	f, err := os.Create(defFile)
	if err != nil {
		return row{}, err
	}
	if err := llb.WriteTo(def, f); err != nil {
		f.Close()
		return row{}, err
	}
	f.Close()
	addr := "unix://" + filepath.Join(b.state, "buildkitd", "buildkitd.sock")
	base2, err := timeIt(b.f.runs, func() error {
		out, err := os.MkdirTemp("", "kb-bench-out-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(out)
		in, err := os.Open(defFile)
		if err != nil {
			return err
		}
		defer in.Close()
		cmd := exec.Command(b.f.buildctl, "--addr", addr, "build", "--progress", "quiet",
			"--oci-layout", base.StoreID+"="+store.Dir(), "--output", "type=local,dest="+out)
		cmd.Stdin = in
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("buildctl build: %v: %s", err, msg)
		}
		return nil
	})
	if err != nil {
		return row{}, err
	}
	return row{Name: "cached solve round trip", Kitbash: median(kb), BaselineName: "buildctl build, same LLB", Baseline: median(base2), Goal: goal(100), Runs: b.f.runs}, nil
}

// cachedRunCLI: the whole `kitbash sdk run -- true` process when the step is cached,
// against the bare process start of `kitbash version`.
func (b *bench) cachedRunCLI(context.Context) (row, error) {
	runCmd := func(args ...string) func() error {
		return func() error {
			cmd := exec.Command(b.f.kitbash, append([]string{"--state-dir", b.state, "-C", b.f.project, "--progress", "quiet"}, args...)...)
			cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("kitbash %v: %v\n%s", args, err, out)
			}
			return nil
		}
	}
	warm := runCmd("sdk", "run", "--", "true")
	if err := warm(); err != nil {
		return row{}, err
	}
	kb, err := timeIt(b.f.runs, warm)
	if err != nil {
		return row{}, err
	}
	base, err := timeIt(b.f.runs, runCmd("version"))
	if err != nil {
		return row{}, err
	}
	return row{Name: "`sdk run` cached, whole CLI", Kitbash: median(kb), BaselineName: "kitbash version (process start)", Baseline: median(base), Runs: b.f.runs}, nil
}

// sdkBase is the project's locked SDK as kitbash's steps run on it, and the OCI store
// (in kitbash's cache) that serves it.
func (b *bench) sdkBase() (sandbox.Base, *ocistore.Store, error) {
	l, err := project.Load(b.f.project)
	if err != nil {
		return sandbox.Base{}, nil, err
	}
	if err := l.Lock.SDKFresh(l.Project); err != nil {
		return sandbox.Base{}, nil, fmt.Errorf("%w (make bench runs `make sdk` first)", err)
	}
	h, err := v1.NewHash(l.Lock.SDK.Digest)
	if err != nil {
		return sandbox.Base{}, nil, fmt.Errorf("%s: sdk digest: %w", project.LockName, err)
	}
	cache, err := b.cacheDir()
	if err != nil {
		return sandbox.Base{}, nil, err
	}
	store, err := ocistore.Open(filepath.Join(cache, "oci"))
	if err != nil {
		return sandbox.Base{}, nil, err
	}
	cfg, err := sdk.LoadConfig(store, h)
	if err != nil {
		return sandbox.Base{}, nil, err
	}
	return sandbox.Base{Ref: sdk.ImageName(l.Lock.SDK.Name, h), StoreID: "kitbash-store", Env: cfg.Env}, store, nil
}
