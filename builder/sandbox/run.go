package sandbox

import (
	"context"
	"fmt"
	"io"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"

	"github.com/kitbash-dev/kitbash/builder/solve"
)

// Definition marshals a step on its base for linux/amd64.
func Definition(ctx context.Context, base Base, step Step) (*llb.Definition, error) {
	out, err := step.Output(base)
	if err != nil {
		return nil, err
	}
	def, err := out.Marshal(ctx, llb.LinuxAmd64)
	if err != nil {
		return nil, fmt.Errorf("marshal step %s: %w", step.Name, err)
	}
	return def, nil
}

// RunOptions says where a step's output and progress go.
type RunOptions struct {
	OutDir   string // the step's /out is exported here
	Progress solve.Progress
	Log      io.Writer
}

// Run solves one step on the engine, with the SDK served from store.
func Run(ctx context.Context, cl *client.Client, store content.Store, base Base, step Step, o RunOptions) error {
	def, err := Definition(ctx, base, step)
	if err != nil {
		return err
	}
	_, err = solve.Run(ctx, cl, solve.Request{
		Name: step.Name,
		Def:  def,
		Opt: client.SolveOpt{
			Exports:   []client.ExportEntry{{Type: client.ExporterLocal, OutputDir: o.OutDir}},
			OCIStores: map[string]content.Store{base.StoreID: store},
		},
		Progress: o.Progress,
		Out:      o.Log,
	})
	return err
}
