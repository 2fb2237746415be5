package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/project"
)

func newInitCmd(g *globals) *cobra.Command {
	var o project.ScaffoldOptions
	c := &cobra.Command{
		Use:   "init DIR",
		Short: "Create a new Kitbash project (Kitbash.yaml, specs/, kits/, variants/) in DIR",
		Example: `  kitbash init ~/src/my-os
  cd ~/src/my-os && git init -q && git add -A && git commit -qm init && kitbash sdk build`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			created, err := project.Scaffold(args[0], o)
			if err != nil {
				return err
			}
			return g.emit(map[string]any{"dir": args[0], "created": created}, func() {
				for _, p := range created {
					rel, err := filepath.Rel(args[0], p)
					if err != nil {
						rel = p
					}
					fmt.Fprintf(g.stdout, "created %s\n", filepath.Join(args[0], rel))
				}
				fmt.Fprintf(g.stdout, "next: cd %s, commit it with git (build times come from the commit, or set SOURCE_DATE_EPOCH), then run kitbash sdk build\n", args[0])
			})
		},
	}
	c.Flags().StringVar(&o.Name, "name", "", "project name (default: the directory's name)")
	c.Flags().StringVar(&o.ReleaseVersion, "release-version", "", "first release version (default 0.1.0)")
	return c
}
