package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/tufrepo"
)

func newRepoCheckExpirationsCmd(g *globals) *cobra.Command {
	var within string
	var tf repoTimeFlags
	c := &cobra.Command{
		Use:   "check-expirations REPO_DIR",
		Short: "Warn about metadata that expires soon; exit non-zero if any",
		Long: `Lists each role's version and expiry and warns about every role that expires within
--within (or has expired); exits non-zero if any does. Run it from a scheduled job and
follow with kitbash repo refresh.`,
		Example: "  kitbash repo check-expirations repo/ --within 72h",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := tufrepo.ParseDuration(within)
			if err != nil {
				return fmt.Errorf("--within: %w", err)
			}
			opts, err := tf.options()
			if err != nil {
				return err
			}
			all, err := tufrepo.CheckExpirations(args[0], append(opts, tufrepo.WithWithin(d))...)
			var ee *tufrepo.ExpiryError
			if err != nil && !errors.As(err, &ee) {
				return err
			}
			type result struct {
				Roles    []tufrepo.RoleExpiry `json:"roles"`
				Expiring []tufrepo.Expiring   `json:"expiring"`
			}
			res := result{Roles: all, Expiring: []tufrepo.Expiring{}}
			if ee != nil {
				res.Expiring = ee.Expiring
			}
			if perr := g.emit(res, func() { printRoleExpiries(g, all) }); perr != nil {
				return perr
			}
			for _, x := range res.Expiring {
				verb := "expires in " + x.Left.Round(time.Minute).String()
				if x.Expired {
					verb = "has expired"
				}
				fmt.Fprintf(g.stderr, "warning: %s metadata (version %d) %s (%s)\n", x.Role, x.Version, verb, x.Expires.UTC().Format(time.RFC3339))
			}
			return err
		},
	}
	c.Flags().StringVar(&within, "within", "72h", "warn about expiry within this long (e.g. 72h, 3d, 1w)")
	tf.add(c, false)
	return c
}
