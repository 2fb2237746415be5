package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/packages"
)

func newBuildPackagesCmd(g *globals) *cobra.Command {
	f := buildFlags{build: true}
	c := &cobra.Command{
		Use:   "packages [PACKAGE...]",
		Short: "Build the named packages and what they need (all by default)",
		Long: `Fetches every source first, then builds each package in a BuildKit sandbox on the locked SDK
(no network unless the spec opts in, no host paths, SOURCE_DATE_EPOCH) with its
build-requires merged in, runs its test phase, and stores a deterministic tar plus manifest
in the package store, keyed by the digest of all its inputs. A package whose inputs are
unchanged is not rebuilt, and a build where nothing changed does not start the engine.
Independent packages build in parallel.

--cache-to and --cache-from take a directory or a registry repository (HOST[:PORT]/PATH)
and carry both BuildKit's cache and built packages between machines and CI runs.`,
		Example: "  kitbash build packages\n  kitbash build packages runc containerd --progress plain\n  kitbash build packages --cache-from ./ci-cache --cache-to ./ci-cache\n  kitbash build packages --cache-to 127.0.0.1:5000/kitbash/cache",
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			ps, err := g.loadSpecs()
			if err != nil {
				return err
			}
			if err := ps.needSpecs(); err != nil {
				return err
			}
			if ps, err = g.withKits(cmd.Context(), ps, f.kitFlags); err != nil {
				return err
			}
			b, closeEngine, err := g.packageBuilder(ps, f)
			if err != nil {
				return err
			}
			defer closeEngine()
			if _, err := b.Fetch(cmd.Context(), args...); err != nil {
				return err
			}
			results, err := b.Build(cmd.Context(), args...)
			if err != nil {
				return err
			}
			if results == nil {
				results = []packages.Result{}
			}
			return g.emit(results, func() { printResults(g, results, time.Since(start)) })
		},
	}
	fl := c.Flags()
	fl.BoolVar(&f.release, "release", false, "release rules: refuse specs that opt into the network, and unlocked, unsigned or untrusted kits")
	fl.BoolVar(&f.allowUnsigned, "allow-unsigned", false, "use external kits locked unsigned (local development only; warns on every use)")
	fl.IntVar(&f.jobs, "jobs", 2, "packages built at once")
	fl.StringArrayVar(&f.cacheFrom, "cache-from", nil, "import BuildKit's cache and built packages from a directory or registry repository (repeatable)")
	fl.StringArrayVar(&f.cacheTo, "cache-to", nil, "export BuildKit's cache and built packages to a directory or registry repository (repeatable)")
	return c
}

func printResults(g *globals, results []packages.Result, took time.Duration) {
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tVERSION\tSTATUS\tSIZE\tDIGEST")
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Status]++
		fmt.Fprintf(tw, "%s\t%s-%d\t%s\t%s\t%s\n", r.Name, r.Version, r.Release, r.Status, humanBytes(r.Size), r.Files)
	}
	tw.Flush()
	var parts []string
	for _, s := range []string{packages.StatusBuilt, packages.StatusImported, packages.StatusStored} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(g.stdout, "%d packages: %s (%s)\n", len(results), strings.Join(parts, ", "), took.Round(time.Millisecond))
}
