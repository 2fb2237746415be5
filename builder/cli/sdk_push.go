package cli

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/sdk"
)

func newSDKPushCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "push REPO[:TAG]",
		Short:   "Push the locked SDK to a registry and record where it went",
		Example: "  kitbash sdk push 127.0.0.1:5000/kitbash/sdk:bookworm",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ls, err := g.lockedSDK()
			if err != nil {
				return err
			}
			l, h, store := ls.project, ls.digest, ls.store
			ref, err := sdk.Push(cmd.Context(), store, h, args[0], remoteOptions(cmd)...)
			if err != nil {
				return fmt.Errorf("sdk push: %w", err)
			}
			lock := l.Lock
			lock.SDK.Ref = ref.String()
			if err := l.WriteLock(lock); err != nil {
				return err
			}
			return g.emit(map[string]string{"ref": ref.String()}, func() { fmt.Fprintf(g.stdout, "pushed %s\n", ref) })
		},
	}
}

func remoteOptions(cmd *cobra.Command) []remote.Option {
	return []remote.Option{remote.WithContext(cmd.Context()), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
}
