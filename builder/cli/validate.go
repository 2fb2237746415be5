package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/spec"
)

func newValidateCmd(g *globals) *cobra.Command {
	var release bool
	c := &cobra.Command{
		Use:   "validate",
		Short: "Check Kitbash.yaml, Kitbash.lock and every package spec without building",
		Long: `Decodes Kitbash.yaml, Kitbash.lock and every specs/<name>/package.yaml strictly, checks their
values, path sources and the package graph (missing packages, duplicates, build-requires
cycles), and reports every problem at once, one line each with file:line, field and fix.
With --release it also refuses specs whose build steps opt into the network.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ps, err := g.loadSpecs()
			if err != nil {
				return err
			}
			if ps, err = g.withKits(cmd.Context(), ps, kitFlags{offline: true}); err != nil {
				return err
			}
			if release {
				for _, s := range ps.specs {
					if s.Network != spec.NetworkNone {
						line, _ := s.Doc.Pos("network")
						return fmt.Errorf("%s:%d: network: package %s opts into the network, which --release refuses; fix: declare its downloads as url, apt or gomod sources and remove network:", s.File, line, s.Name)
					}
				}
			}
			type out struct {
				Valid    bool     `json:"valid"`
				Packages []string `json:"packages"`
			}
			return g.emit(out{Valid: true, Packages: ps.graph.Names()}, func() {
				files := "Kitbash.yaml"
				if ps.project.LockExists {
					files += ", Kitbash.lock"
				}
				fmt.Fprintf(g.stdout, "ok: %s and %d package specs are valid\n", files, len(ps.specs))
			})
		},
	}
	c.Flags().BoolVar(&release, "release", false, "also apply release rules (no build step may use the network)")
	return c
}
