package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/client"

	"github.com/kitbash-dev/kitbash/builder/engine"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

// cachedSolve: an in-process solve of a sandbox step that BuildKit has cached, against
// the floor of one gRPC round trip (Info) on the same connection.
func (b *bench) cachedSolve(ctx context.Context) (row, error) {
	l, err := project.Load(b.f.project)
	if err != nil {
		return row{}, err
	}
	if err := l.Lock.SDKFresh(l.Project); err != nil {
		return row{}, fmt.Errorf("%w (make bench runs `make sdk` first)", err)
	}
	h, err := v1.NewHash(l.Lock.SDK.Digest)
	if err != nil {
		return row{}, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return row{}, err
	}
	store, err := ocistore.Open(cache + "/kitbash/oci")
	if err != nil {
		return row{}, err
	}
	cfg, err := sdk.LoadConfig(store, h)
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
	base := sandbox.Base{Ref: sdk.ImageName(l.Lock.SDK.Name, h), StoreID: "kitbash-store", Env: cfg.Env}
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
	base2, err := timeIt(b.f.runs, func() error { return info(ctx, e.Client) })
	if err != nil {
		return row{}, err
	}
	return row{Name: "cached solve round trip", Kitbash: median(kb), BaselineName: "one gRPC Info round trip", Baseline: median(base2), GoalMs: 100, Runs: b.f.runs}, nil
}

func info(ctx context.Context, cl *client.Client) error {
	_, err := cl.Info(ctx)
	return err
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
