package pkgbuild

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/solve"
)

// RunOptions connect a package build to an engine and the host directories it reads.
type RunOptions struct {
	Client   *client.Client
	SDKStore content.Store     // serves the SDK image (sandbox.Base.StoreID)
	Locals   map[string]string // LocalSpec/LocalSources/LocalPackages → host directory
	Progress solve.Progress
	Log      io.Writer
	Spool    string // temp dir for normalizing the tar
	UID, GID int    // owner of the package's files
	// CacheExports and CacheImports share BuildKit's cache (registry or local directory).
	CacheExports, CacheImports []client.CacheOptionsEntry
	Stats                      *solve.Stats // records which steps ran (optional)
}

// Build solves one package and writes its deterministic tar to w.
func Build(ctx context.Context, base sandbox.Base, p Package, o RunOptions, w io.Writer) (pkg.Result, error) {
	st, err := Definition(base, p)
	if err != nil {
		return pkg.Result{}, err
	}
	def, err := st.Marshal(ctx, llb.LinuxAmd64)
	if err != nil {
		return pkg.Result{}, fmt.Errorf("marshal %s: %w", p.Name, err)
	}
	mounts := map[string]fsutil.FS{}
	for name, dir := range o.Locals {
		fs, err := fsutil.NewFS(dir)
		if err != nil {
			return pkg.Result{}, fmt.Errorf("local %s (%s): %w", name, dir, err)
		}
		mounts[name] = fs
	}
	pr, pw := io.Pipe()
	var res pkg.Result
	eg, gctx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		var err error
		res, err = pkg.Normalize(pr, w, pkg.NormalizeOptions{Epoch: time.Unix(p.Epoch, 0).UTC(), UID: o.UID, GID: o.GID, Spool: o.Spool})
		pr.CloseWithError(err)
		return err
	})
	eg.Go(func() error {
		_, err := solve.Run(gctx, o.Client, solve.Request{
			Name: "package " + p.Name,
			Def:  def,
			Opt: client.SolveOpt{
				Exports: []client.ExportEntry{{
					Type:   client.ExporterTar,
					Output: func(map[string]string) (io.WriteCloser, error) { return pw, nil },
				}},
				LocalMounts:  mounts,
				OCIStores:    map[string]content.Store{base.StoreID: o.SDKStore},
				CacheExports: o.CacheExports,
				CacheImports: o.CacheImports,
			},
			Stats:    o.Stats,
			Progress: o.Progress,
			Out:      o.Log,
		})
		pw.CloseWithError(err)
		return err
	})
	if err := eg.Wait(); err != nil {
		if p.Network == sandbox.NetworkNone {
			return pkg.Result{}, fmt.Errorf("%w\nnote: if it needed the network: build steps have no network (package %s has network: none); declare downloads as url, apt or gomod sources so kitbash fetches and verifies them before the build", err, p.Name)
		}
		return pkg.Result{}, err
	}
	return res, nil
}
