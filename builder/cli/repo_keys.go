package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/tufrepo"
)

func newRepoKeysCmd(g *globals) *cobra.Command {
	var threshold, rootKeys int
	c := &cobra.Command{
		Use:   "keys DIR",
		Short: "Make ed25519 keys for a TUF repository: root keys and publication keys",
		Long: `Writes ed25519 keys into DIR (created, mode 0700): root-1.key ... (root, signing only
root metadata; keep them offline) and targets.key, snapshot.key, timestamp.key (publication
keys, used by add and refresh). Private keys are PKCS#8 PEM, mode 0600; public keys .pub;
keys.json lists every role's key ids, files and threshold. Existing keys are never
overwritten. Publishing needs only the publication keys: move the root-*.key files away
and keep keys.json and the .pub files.`,
		Example: "  kitbash repo keys keys/\n  kitbash repo keys keys/ --threshold 2 --root-keys 3",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := []tufrepo.Option{tufrepo.WithRootThreshold(threshold)}
			if rootKeys > 0 {
				opts = append(opts, tufrepo.WithRootKeys(rootKeys))
			}
			keys, err := tufrepo.GenerateKeys(args[0], opts...)
			if err != nil {
				return err
			}
			return g.emit(keys, func() {
				for _, k := range keys {
					fmt.Fprintf(g.stdout, "%-9s  %s  %s\n", k.Role, k.ID[:16], k.Private)
				}
			})
		},
	}
	c.Flags().IntVar(&threshold, "threshold", 1, "root signatures needed on a new root version")
	c.Flags().IntVar(&rootKeys, "root-keys", 0, "how many root keys to make (default: the threshold)")
	return c
}
