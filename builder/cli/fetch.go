package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newFetchCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "fetch [PACKAGE...]",
		Short: "Fetch and verify package sources into the source cache",
		Long: `Fetches every url, apt and gomod source of the named packages (all by default) and of what
building them needs into the content-addressed source cache ($KITBASH_CACHE_DIR/sources),
checking each against its hash; a mismatch is refused and nothing is stored. Builds use only
this cache, so after fetch a build needs no network (for CI and offline work).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			ps, err := g.loadSpecs()
			if err != nil {
				return err
			}
			if ps, err = g.withKits(cmd.Context(), ps, kitFlags{offline: true}); err != nil {
				return err
			}
			b, closeEngine, err := g.packageBuilder(ps, buildFlags{})
			if err != nil {
				return err
			}
			defer closeEngine()
			n, err := b.Fetch(cmd.Context(), args...)
			if err != nil {
				return err
			}
			type out struct {
				Sources  int    `json:"sources"`
				CacheDir string `json:"cacheDir"`
			}
			return g.emit(out{Sources: n, CacheDir: g.sourcesDir()}, func() {
				fmt.Fprintf(g.stdout, "%d sources in the cache %s (%s)\n", n, g.sourcesDir(), time.Since(start).Round(time.Millisecond))
			})
		},
	}
}
