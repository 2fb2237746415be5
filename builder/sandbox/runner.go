package sandbox

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/tonistiigi/fsutil"

	"github.com/kitbash-dev/kitbash/builder/solve"
)

// Runner runs scripts as sandboxed steps on an engine, with host directories as
// read-only inputs: the directory of input NAME is mounted at /in/NAME and named by
// $IN_NAME (upper case, '-' as '_'); $OUT is OutDir, exported to the caller's directory.
type Runner struct {
	Client   *client.Client
	Store    content.Store // serves the SDK (Base.StoreID)
	Base     Base
	Epoch    int64
	Progress solve.Progress
	Log      io.Writer
}

// Run runs script as the step name with env added and inputs mounted, and exports its
// /out to outDir.
func (r *Runner) Run(ctx context.Context, name, script string, env map[string]string, inputs map[string]string, outDir string) error {
	step := Step{Name: name, Script: script, Epoch: r.Epoch, Env: map[string]string{"OUT": OutDir}, Inputs: map[string]llb.State{}}
	for k, v := range env {
		step.Env[k] = v
	}
	mounts := map[string]fsutil.FS{}
	for in, dir := range inputs {
		fs, err := fsutil.NewFS(dir)
		if err != nil {
			return fmt.Errorf("step %s: input %s (%s): %w", name, in, dir, err)
		}
		local := "in-" + in
		mounts[local] = fs
		target := "/in/" + in
		step.Inputs[target] = llb.Local(local, llb.SharedKeyHint(name+"/"+in), llb.WithCustomName(name+": input "+in))
		step.Env["IN_"+strings.ToUpper(strings.ReplaceAll(in, "-", "_"))] = target
	}
	def, err := Definition(ctx, r.Base, step)
	if err != nil {
		return err
	}
	_, err = solve.Run(ctx, r.Client, solve.Request{
		Name: name,
		Def:  def,
		Opt: client.SolveOpt{
			Exports:     []client.ExportEntry{{Type: client.ExporterLocal, OutputDir: outDir}},
			LocalMounts: mounts,
			OCIStores:   map[string]content.Store{r.Base.StoreID: r.Store},
		},
		Progress: r.Progress,
		Out:      r.Log,
	})
	if err != nil {
		return fmt.Errorf("step %s: %w", name, err)
	}
	return nil
}
