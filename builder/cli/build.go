package cli

import "github.com/spf13/cobra"

func newBuildCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "build",
		Short: "Build packages, kits and variant images",
	}
	c.AddCommand(newBuildPackagesCmd(g), newBuildKitCmd(g), newBuildVariantCmd(g))
	return c
}
