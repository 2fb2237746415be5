package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/engine"
)

func newEngineCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "engine",
		Short: "Manage the BuildKit engine kitbash builds with",
		Long: `Without --buildkit-host (or BUILDKIT_HOST), kitbash starts a local rootful buildkitd
(OCI worker, runc) under its state directory on first use, reuses it across commands,
and restarts it when its version differs from the one kitbash pins.`,
	}
	c.AddCommand(newEngineStatusCmd(g), newEngineStartCmd(g), newEngineStopCmd(g), newEnginePruneCmd(g))
	return c
}

// gcOptions reads the cache cap from Kitbash.yaml when there is a project; outside a
// project BuildKit's own defaults apply.
func (g *globals) cachePolicy() (keep time.Duration, maxBytes int64) {
	l, err := g.project()
	if err != nil {
		return 0, 0
	}
	return l.Project.Cache.Keep(), l.Project.Cache.MaxSizeBytes()
}

func (g *globals) startOptions() []engine.Option {
	if _, max := g.cachePolicy(); max > 0 {
		return []engine.Option{engine.WithGCKeepBytes(max)}
	}
	return nil
}
