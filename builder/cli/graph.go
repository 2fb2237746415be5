package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newGraphCmd(g *globals) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "graph [PACKAGE...]",
		Short: "Print the package dependency graph as text or DOT",
		Long: `Prints the named packages (all by default) and everything building them needs, in build
order, with their build-requires and runtime requires. --format dot writes Graphviz DOT
(build-requires solid, runtime requires dashed): kitbash graph --format dot | dot -Tsvg.`,
		Example: "  kitbash graph\n  kitbash graph containerd --format dot",
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, err := g.loadSpecs()
			if err != nil {
				return err
			}
			if ps, err = g.withKits(cmd.Context(), ps, kitFlags{offline: true}); err != nil {
				return err
			}
			names := args
			if len(names) == 0 {
				names = ps.graph.Names()
			}
			order, err := ps.graph.BuildClosure(names...)
			if err != nil {
				return err
			}
			switch format {
			case "text":
				return ps.graph.WriteText(g.stdout, order)
			case "dot":
				return ps.graph.WriteDOT(g.stdout, order)
			}
			return fmt.Errorf("--format %q: fix: use text or dot", format)
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text or dot")
	_ = c.RegisterFlagCompletionFunc("format", fixedCompletion("text", "dot"))
	return c
}
