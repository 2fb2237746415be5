package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

func newSDKPullCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "pull REPO@sha256:DIGEST",
		Short:   "Pull an SDK by digest into the local store and lock it",
		Example: "  kitbash sdk pull 127.0.0.1:5000/kitbash/sdk@sha256:…",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := g.project()
			if err != nil {
				return err
			}
			store, err := g.store()
			if err != nil {
				return err
			}
			res, err := sdk.Pull(cmd.Context(), store, args[0], remoteOptions(cmd)...)
			if err != nil {
				return fmt.Errorf("sdk pull: %w", err)
			}
			if want := l.Project.SDK.InputsDigest(); res.Inputs != want {
				return fmt.Errorf("sdk pull: %s was built from another sdk section (inputs %q) than %s has (%s); nothing was locked; fix: make the sdk section match the one it was built from, or run `kitbash sdk build`", args[0], res.Inputs, project.FileName, want)
			}
			lock := l.Lock
			lock.SDK = project.LockedSDK{
				Name:     res.Name,
				Digest:   res.Digest.String(),
				Inputs:   l.Project.SDK.InputsDigest(),
				Ref:      args[0],
				Packages: res.Packages,
			}
			if err := l.WriteLock(lock); err != nil {
				return err
			}
			return g.emit(map[string]string{"digest": res.Digest.String(), "ref": args[0]}, func() {
				fmt.Fprintf(g.stdout, "pulled %s into %s and locked it\n", args[0], store.Dir())
			})
		},
	}
}
