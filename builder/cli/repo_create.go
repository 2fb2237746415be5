package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/tufrepo"
)

func newRepoCreateCmd(g *globals) *cobra.Command {
	var keysDir string
	var tf repoTimeFlags
	c := &cobra.Command{
		Use:   "create REPO_DIR --keys DIR",
		Short: "Make an empty TUF repository",
		Long: `Makes REPO_DIR/metadata (1.root.json, root.json, 1.targets.json, 1.snapshot.json,
timestamp.json) and REPO_DIR/targets (an empty manifest.json). Root trusts the keys of
--keys; root keys and publication keys must all be at hand. Give clients
metadata/1.root.json as their trusted root.`,
		Example: "  kitbash repo create repo/ --keys keys/\n  kitbash repo create repo/ --keys keys/ --expiry-policy expiry.yaml --now 2025-03-01T00:00:00Z",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlag("keys", keysDir); err != nil {
				return err
			}
			opts, err := tf.options()
			if err != nil {
				return err
			}
			keys, err := tufrepo.LoadKeys(keysDir)
			if err != nil {
				return err
			}
			out, err := tufrepo.Create(args[0], keys, opts...)
			if err != nil {
				return err
			}
			return g.emit(out, func() {
				fmt.Fprintf(g.stdout, "created %s; trusted root for clients: %s\n", out.Dir, out.Root)
			})
		},
	}
	c.Flags().StringVar(&keysDir, "keys", "", "keys directory (from kitbash repo keys)")
	tf.add(c, true)
	return c
}
