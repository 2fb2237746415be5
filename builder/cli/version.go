package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

type versionInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Go       string `json:"go"`
	BuildKit string `json:"buildkit"`
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kitbash's version and the BuildKit version it pins",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := versionInfo{Version: "(devel)", Go: runtime.Version(), BuildKit: pinnedBuildkit()}
			if bi, ok := debug.ReadBuildInfo(); ok {
				v.Version = bi.Main.Version
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						v.Revision = s.Value
					}
				}
			}
			return g.emit(v, func() {
				fmt.Fprintf(g.stdout, "kitbash %s", v.Version)
				if v.Revision != "" {
					fmt.Fprintf(g.stdout, " (%.12s)", v.Revision)
				}
				fmt.Fprintf(g.stdout, "\n%s, buildkit %s\n", v.Go, v.BuildKit)
			})
		},
	}
}
