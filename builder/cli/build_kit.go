package cli

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/packages"
	"github.com/kitbash-dev/kitbash/builder/project"
)

// builtKit is one kit of `build kit`.
type builtKit struct {
	Name     string   `json:"name"`
	Version  string   `json:"version"`
	Digest   string   `json:"digest"`
	Ref      string   `json:"ref"` // its name in the local OCI store
	Packages []string `json:"packages"`
	Size     int64    `json:"size"`
	config   kit.Config
}

func newBuildKitCmd(g *globals) *cobra.Command {
	f := buildFlags{build: true}
	var source, revision string
	c := &cobra.Command{
		Use:   "kit [NAME...]",
		Short: "Build kits: their packages packed as OCI artifacts in the local store",
		Long: `Builds the packages each kit carries (kits/<name>/kit.yaml: the listed packages and their
runtime requirements) and packs them as one OCI artifact: an image index with a manifest
for the architecture (artifactType ` + kit.ArtifactType + `), the kit's
metadata and package index as its config, one layer per package, and
org.opencontainers.image.* annotations dated by SOURCE_DATE_EPOCH. The kit is written to the
local OCI store (no registry needed) as kits/<name>:<version>. The same inputs give the same
digest. All kits when no NAME is given.`,
		Example: "  kitbash build kit core\n  kitbash build kit core --revision $GITHUB_SHA --source https://github.com/me/my-os",
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			out, store, err := g.buildKits(cmd.Context(), args, f, kitMeta{source: source, revision: revision})
			if err != nil {
				return err
			}
			return g.emit(out, func() {
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KIT\tVERSION\tPACKAGES\tSIZE\tDIGEST")
				for _, k := range out {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", k.Name, k.Version, len(k.Packages), humanBytes(k.Size), k.Digest)
				}
				tw.Flush()
				fmt.Fprintf(g.stdout, "%d kits in the local store %s (%s)\n", len(out), store.Dir(), time.Since(start).Round(time.Millisecond))
			})
		},
	}
	fl := c.Flags()
	fl.BoolVar(&f.release, "release", false, "release rules: refuse specs that opt into the network, and unlocked, unsigned or untrusted kits")
	fl.BoolVar(&f.allowUnsigned, "allow-unsigned", false, "use external kits locked unsigned (local development only; warns on every use)")
	fl.IntVar(&f.jobs, "jobs", 2, "packages built at once")
	fl.StringArrayVar(&f.cacheFrom, "cache-from", nil, "import BuildKit's cache and built packages from a directory or registry repository (repeatable)")
	fl.StringArrayVar(&f.cacheTo, "cache-to", nil, "export BuildKit's cache and built packages to a directory or registry repository (repeatable)")
	fl.StringVar(&source, "source", "", "org.opencontainers.image.source: where the project's source lives (a URL)")
	fl.StringVar(&revision, "revision", "", "org.opencontainers.image.revision (default: the project's git HEAD, when it is a checkout)")
	return c
}

// membersOf picks the kit's packages (names) out of a build's results.
func membersOf(results []packages.Result, names []string) []kit.Member {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []kit.Member
	for _, r := range results {
		if want[r.Name] {
			out = append(out, kit.Member{Manifest: r.Manifest, Tar: r.Tar})
		}
	}
	return out
}

// gitRevision is the commit checked out in dir, or "" outside a git checkout.
func gitRevision(dir string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// kitMeta are the annotations a kit build takes from flags.
type kitMeta struct{ source, revision string }

// buildKits builds the named kits (all when none) into the local OCI store.
func (g *globals) buildKits(ctx context.Context, names []string, f buildFlags, meta kitMeta) ([]builtKit, *ocistore.Store, error) {
	ks, err := g.loadKits(ctx, names, f.kitFlags)
	if err != nil {
		return nil, nil, err
	}
	b, closeEngine, err := g.packageBuilder(ks.specs, f)
	if err != nil {
		return nil, nil, err
	}
	defer closeEngine()
	store, err := g.store()
	if err != nil {
		return nil, nil, err
	}
	epoch, err := g.sourceDateEpoch(ks.specs.project.Dir, project.FileName)
	if err != nil {
		return nil, nil, err
	}
	if meta.revision == "" {
		meta.revision = gitRevision(ks.specs.project.Dir)
	}
	var out []builtKit
	for _, k := range ks.kits {
		names, err := ks.specs.kitPackages(k)
		if err != nil {
			return nil, nil, err
		}
		if _, err := b.Fetch(ctx, names...); err != nil {
			return nil, nil, err
		}
		results, err := b.Build(ctx, names...)
		if err != nil {
			return nil, nil, err
		}
		members := membersOf(results, names)
		cfg := kit.Config{Name: k.Name, Version: k.Version, Arch: "x86_64", Created: time.Unix(epoch, 0).UTC().Format(time.RFC3339),
			Source: meta.source, Revision: meta.revision, SDK: ks.specs.project.Lock.SDK.Digest}
		idx, err := kit.Index(cfg, members)
		if err != nil {
			return nil, nil, err
		}
		ref := kit.StoreRef(k.Name, k.Version)
		h, err := store.PutIndex(ctx, ref, idx)
		if err != nil {
			return nil, nil, err
		}
		// The kit as stored (and as consumers will read it) is what SBOM and provenance describe.
		stored, err := store.Index(h)
		if err != nil {
			return nil, nil, err
		}
		opened, err := kit.Open(stored, cfg.Arch)
		if err != nil {
			return nil, nil, err
		}
		bk := builtKit{Name: k.Name, Version: k.Version, Digest: h.String(), Ref: ref, config: opened.Config}
		for _, p := range opened.Config.Packages {
			bk.Packages = append(bk.Packages, p.Name)
			bk.Size += p.Files.Size
		}
		out = append(out, bk)
	}
	return out, store, nil
}
