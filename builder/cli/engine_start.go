package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

type engineStarted struct {
	Action  string `json:"action"`
	Address string `json:"address"`
	Version string `json:"version"`
}

func newEngineStartCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "start",
		Short: "Start the local engine, or reuse it when it already runs at the pinned version",
		Long: `Starts the local engine if it is not running, restarts it when its version differs from
the pinned one, and otherwise reuses it. Any build command does the same on demand.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := g.engine(cmd.Context(), g.startOptions()...)
			if err != nil {
				return err
			}
			defer e.Close()
			r := engineStarted{Action: e.Action, Address: e.Address, Version: e.Version}
			return g.emit(r, func() {
				fmt.Fprintf(g.stdout, "engine %s: buildkit %s at %s\n", r.Action, r.Version, r.Address)
			})
		},
	}
}
