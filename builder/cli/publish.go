package cli

import "github.com/spf13/cobra"

func newPublishCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "publish",
		Short: "Publish kits to a registry, signed, with SBOM and provenance",
	}
	c.AddCommand(newPublishKitCmd(g))
	return c
}
