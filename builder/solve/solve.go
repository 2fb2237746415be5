// Package solve runs one BuildKit solve with Kitbash's progress display. Every verb that
// builds goes through Run, so progress modes and error wrapping are the same everywhere.
package solve

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/util/progress/progressui"
	"golang.org/x/sync/errgroup"
)

// Progress selects BuildKit's progress display.
type Progress string

const (
	ProgressAuto    Progress = "auto"
	ProgressPlain   Progress = "plain"
	ProgressTTY     Progress = "tty"
	ProgressRawJSON Progress = "rawjson"
	ProgressQuiet   Progress = "quiet"
)

// ParseProgress checks a --progress value.
func ParseProgress(s string) (Progress, error) {
	switch p := Progress(s); p {
	case ProgressAuto, ProgressPlain, ProgressTTY, ProgressRawJSON, ProgressQuiet:
		return p, nil
	case "":
		return ProgressAuto, nil
	}
	return "", fmt.Errorf("unknown progress mode %q; fix: use one of auto, plain, tty, rawjson, quiet", s)
}

// Request is one solve.
type Request struct {
	Name     string // what is being built, for errors
	Def      *llb.Definition
	Opt      client.SolveOpt
	Progress Progress
	Out      io.Writer // progress output (usually stderr)
	Stats    *Stats    // when set, records which vertices ran and which were cached
}

// Run solves the request and displays progress until it ends.
func Run(ctx context.Context, cl *client.Client, r Request) (*client.SolveResponse, error) {
	mode := progressui.DisplayMode(r.Progress)
	if r.Progress == "" {
		mode = progressui.AutoMode
	}
	out := r.Out
	if out == nil {
		out = io.Discard
	}
	d, err := progressui.NewDisplay(out, mode)
	if err != nil {
		return nil, fmt.Errorf("progress display %q: %w; fix: use --progress plain when output is not a terminal", mode, err)
	}
	ch := make(chan *client.SolveStatus)
	var resp *client.SolveResponse
	eg, gctx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		var err error
		resp, err = cl.Solve(gctx, r.Def, r.Opt, ch)
		return err
	})
	display := ch
	if r.Stats != nil {
		display = make(chan *client.SolveStatus)
		eg.Go(func() error {
			defer close(display)
			for st := range ch {
				r.Stats.record(st)
				display <- st
			}
			return nil
		})
	}
	eg.Go(func() error {
		_, err := d.UpdateFrom(context.WithoutCancel(gctx), display)
		return err
	})
	if err := eg.Wait(); err != nil {
		return nil, fmt.Errorf("build %s: %w", r.Name, err)
	}
	return resp, nil
}
