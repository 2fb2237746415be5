package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/tufrepo"
)

func newRepoValidateCmd(g *globals) *cobra.Command {
	var rootFile string
	var tf repoTimeFlags
	c := &cobra.Command{
		Use:   "validate REPO_URL_OR_DIR --root FILE",
		Short: "Check a repository as a client would: metadata, every target, manifest.json",
		Long: `Runs the go-tuf client against the repository (http(s)://, file:// or a directory),
trusting --root: walks root versions, checks signatures, versions and expiry of timestamp,
snapshot and targets, downloads every target and checks its length and hash, and checks
that manifest.json names only published targets. Exits non-zero naming each failure.`,
		Example: "  kitbash repo validate repo/ --root repo/metadata/1.root.json\n  kitbash repo validate https://updates.example.com/dev/x86_64 --root root.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlag("root", rootFile); err != nil {
				return err
			}
			root, err := os.ReadFile(rootFile)
			if err != nil {
				return fmt.Errorf("trusted root: %w", err)
			}
			opts, err := tf.options()
			if err != nil {
				return err
			}
			out, err := tufrepo.Validate(args[0], root, opts...)
			if err != nil {
				return err
			}
			return g.emit(out, func() {
				printRoleExpiries(g, out.Roles)
				fmt.Fprintf(g.stdout, "%d targets ok, %d updates in manifest.json\n", len(out.Targets), out.Updates)
			})
		},
	}
	c.Flags().StringVar(&rootFile, "root", "", "trusted root.json (e.g. metadata/1.root.json)")
	tf.add(c, false)
	return c
}
