package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/engine"
)

func newEngineStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the engine: running or not, version, address, cache size",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := engine.GetStatus(cmd.Context(), g.engineOptions()...)
			if err != nil {
				return err
			}
			return g.emit(st, func() {
				w := g.stdout
				state := "stopped"
				if st.Running {
					state = "running"
				}
				fmt.Fprintf(w, "engine:   %s (%s)\n", state, st.Mode)
				fmt.Fprintf(w, "address:  %s\n", st.Address)
				if st.Running {
					fmt.Fprintf(w, "version:  %s", st.Version)
					if st.Pinned != "" && st.Pinned != st.Version {
						fmt.Fprintf(w, " (kitbash pins %s; the next build restarts it)", st.Pinned)
					}
					fmt.Fprintln(w)
					if st.PID != 0 {
						fmt.Fprintf(w, "pid:      %d\n", st.PID)
					}
					fmt.Fprintf(w, "cache:    %s in %d records\n", humanBytes(st.CacheBytes), st.CacheItems)
				}
				if st.Root != "" {
					fmt.Fprintf(w, "root:     %s\nlog:      %s\n", st.Root, st.Log)
				}
			})
		},
	}
}
