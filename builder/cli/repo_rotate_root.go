package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/tufrepo"
)

func newRepoRotateRootCmd(g *globals) *cobra.Command {
	var oldDir, newDir string
	var tf repoTimeFlags
	c := &cobra.Command{
		Use:   "rotate-root REPO_DIR --keys OLD --new-keys NEW",
		Short: "Sign a new root version that trusts new keys",
		Long: `Writes metadata/N+1.root.json trusting the keys of NEW for all four roles, signed by
the root keys of OLD (meeting the old threshold, so clients holding the old root walk to
the new one) and of NEW (meeting the new threshold). Targets, snapshot and timestamp are
then re-signed with NEW's publication keys. Use it to replace keys or to renew root
before it expires (pass the same directory twice).`,
		Example: "  kitbash repo rotate-root repo/ --keys keys-2024/ --new-keys keys-2025/",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlag("keys", oldDir); err != nil {
				return err
			}
			if err := requireFlag("new-keys", newDir); err != nil {
				return err
			}
			opts, err := tf.options()
			if err != nil {
				return err
			}
			oldKeys, err := tufrepo.LoadKeys(oldDir)
			if err != nil {
				return err
			}
			newKeys, err := tufrepo.LoadKeys(newDir)
			if err != nil {
				return err
			}
			out, err := tufrepo.RotateRoot(args[0], oldKeys, newKeys, opts...)
			if err != nil {
				return err
			}
			return g.emit(out, func() {
				fmt.Fprintf(g.stdout, "root version %d written (%s)\n", out.RootVersion, out.Root)
			})
		},
	}
	c.Flags().StringVar(&oldDir, "keys", "", "keys directory of the current root")
	c.Flags().StringVar(&newDir, "new-keys", "", "keys directory to trust from now on")
	tf.add(c, true)
	return c
}
