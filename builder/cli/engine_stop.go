package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/engine"
)

func newEngineStopCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop the local engine (its cache stays on disk)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			was, err := engine.Stop(cmd.Context(), g.engineOptions()...)
			if err != nil {
				return err
			}
			return g.emit(map[string]bool{"stopped": was}, func() {
				if was {
					fmt.Fprintln(g.stdout, "engine stopped")
				} else {
					fmt.Fprintln(g.stdout, "engine was not running")
				}
			})
		},
	}
}
