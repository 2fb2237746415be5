package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newEnginePruneCmd(g *globals) *cobra.Command {
	var all bool
	var keep time.Duration
	c := &cobra.Command{
		Use:   "prune",
		Short: "Garbage-collect the engine's build cache down to the cap in Kitbash.yaml",
		Long: `Removes cache records unused for longer than cache.keep-duration, then more until the
cache is under cache.max-size (both from Kitbash.yaml; defaults 168h and 20GiB). --all removes
every record not in use.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			keepDur, maxBytes := g.cachePolicy()
			if cmd.Flags().Changed("keep-duration") {
				keepDur = keep
			}
			e, err := g.engine(cmd.Context(), g.startOptions()...)
			if err != nil {
				return err
			}
			defer e.Close()
			r, err := e.Prune(cmd.Context(), keepDur, maxBytes, all)
			if err != nil {
				return err
			}
			return g.emit(r, func() {
				fmt.Fprintf(g.stdout, "pruned %d records, reclaimed %s; cache now %s\n",
					r.Records, humanBytes(r.Reclaimed), humanBytes(r.CacheAfter))
			})
		},
	}
	c.Flags().BoolVar(&all, "all", false, "remove every unused cache record")
	c.Flags().DurationVar(&keep, "keep-duration", 0, "override cache.keep-duration")
	return c
}
