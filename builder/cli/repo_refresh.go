package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/tufrepo"
)

func newRepoRefreshCmd(g *globals) *cobra.Command {
	var keysDir string
	var targets bool
	var tf repoTimeFlags
	c := &cobra.Command{
		Use:   "refresh REPO_DIR --keys DIR",
		Short: "Re-sign timestamp and snapshot with new expiry dates",
		Long: `Signs new versions of snapshot and timestamp (and, with --targets, of targets) whose
expiry dates count from now, without changing what is published. Run it well before
check-expirations warns: the timestamp lives a week by default.`,
		Example: "  kitbash repo refresh repo/ --keys keys/",
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
			out, err := tufrepo.Refresh(args[0], keys, append(opts, tufrepo.WithRefreshTargets(targets))...)
			if err != nil {
				return err
			}
			return g.emit(out, func() { printRoleExpiries(g, out.Roles) })
		},
	}
	c.Flags().StringVar(&keysDir, "keys", "", "keys directory holding the publication keys")
	c.Flags().BoolVar(&targets, "targets", false, "re-sign targets too")
	tf.add(c, true)
	return c
}

func printRoleExpiries(g *globals, roles []tufrepo.RoleExpiry) {
	for _, r := range roles {
		fmt.Fprintf(g.stdout, "%-9s  version %-4d  expires %s\n", r.Role, r.Version, r.Expires.UTC().Format(time.RFC3339))
	}
}
