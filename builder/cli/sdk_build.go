package cli

import (
	"fmt"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

type sdkBuilt struct {
	Name     string `json:"name"`
	Digest   string `json:"digest"`
	Packages int    `json:"packages"`
	Size     int64  `json:"size,omitempty"`
	UpToDate bool   `json:"upToDate"`
	Store    string `json:"store"`
}

func newSDKBuildCmd(g *globals) *cobra.Command {
	var force bool
	var storeDir string
	c := &cobra.Command{
		Use:   "build",
		Short: "Build the SDK image with mmdebstrap and record its digest in Kitbash.lock",
		Long: `Builds the SDK from Kitbash.yaml's sdk section: a Debian rootfs made with mmdebstrap
(through the host's apt configuration) plus the pinned Go toolchain, as an OCI image in the
local store. Times come from SOURCE_DATE_EPOCH (default: the last commit of Kitbash.yaml), so
two builds from the same package versions give the same digest. Needs root.

When Kitbash.lock already names an SDK built from the same sdk section and the local store
has it, nothing is rebuilt (use --force to rebuild anyway).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := g.project()
			if err != nil {
				return err
			}
			store, err := g.store()
			if storeDir != "" {
				store, err = openStore(storeDir)
			}
			if err != nil {
				return err
			}
			if !force && l.Lock.SDKFresh(l.Project) == nil {
				if h, err := v1.NewHash(l.Lock.SDK.Digest); err == nil && store.Has(h) {
					r := sdkBuilt{Name: l.Lock.SDK.Name, Digest: h.String(), Packages: len(l.Lock.SDK.Packages), UpToDate: true, Store: store.Dir()}
					return g.emit(r, func() { fmt.Fprintf(g.stdout, "sdk %s is up to date: %s\n", r.Name, r.Digest) })
				}
			}
			epoch, err := g.sourceDateEpoch(l.Dir, project.FileName)
			if err != nil {
				return err
			}
			sources, aptOpts, err := sdk.HostAptSources()
			if err != nil {
				return err
			}
			res, err := sdk.Build(cmd.Context(), sdkSpec(l.Project), store,
				sdk.WithSourceDateEpoch(epoch),
				sdk.WithCacheDir(filepath.Join(g.cacheDir, "sdk")),
				sdk.WithAptSources(sources...),
				sdk.WithAptOptions(aptOpts...),
				sdk.WithLog(g.stderr),
			)
			if err != nil {
				return fmt.Errorf("sdk build: %w", err)
			}
			lock := l.Lock
			lock.SDK = project.LockedSDK{
				Name:     res.Name,
				Digest:   res.Digest.String(),
				Inputs:   l.Project.SDK.InputsDigest(),
				Packages: res.Packages,
			}
			if err := l.WriteLock(lock); err != nil {
				return err
			}
			r := sdkBuilt{Name: res.Name, Digest: res.Digest.String(), Packages: len(res.Packages), Size: res.Size, Store: store.Dir()}
			return g.emit(r, func() {
				fmt.Fprintf(g.stdout, "sdk %s built: %s (%d packages, %s), recorded in %s\n",
					r.Name, r.Digest, r.Packages, humanBytes(r.Size), project.LockName)
			})
		},
	}
	c.Flags().BoolVar(&force, "force", false, "rebuild even when the lock and store are up to date")
	c.Flags().StringVar(&storeDir, "store", "", "write into this OCI layout directory instead of the local store")
	return c
}
