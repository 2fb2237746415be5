package cli

import "github.com/spf13/cobra"

func newBuildCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "build",
		Short: "Build packages and kits (and, later, variants)",
	}
	c.AddCommand(newBuildPackagesCmd(g), newBuildKitCmd(g))
	return c
}
