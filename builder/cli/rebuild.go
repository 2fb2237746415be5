package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/rebuild"
	"github.com/kitbash-dev/kitbash/builder/regref"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

// exitMismatch is rebuild's exit status when the rebuilt kit differs (errors exit 1).
const exitMismatch = 3

func newRebuildCmd(g *globals) *cobra.Command {
	f := buildFlags{build: true}
	var keys []string
	var workDir string
	c := &cobra.Command{
		Use:   "rebuild REF",
		Short: "Rebuild a published kit from the sources it carries and compare digests",
		Long: `Resolves REF (REPO:TAG or REPO@DIGEST) to its digest, checks its signature with --key,
fetches the kit sources attached to it (Kitbash.yaml, Kitbash.lock, the kit spec, the spec
folders and path sources of its packages), unpacks them into a temporary folder and builds
the kit there, then compares: the rebuilt kit's index digest with REF's, and every
package's digest with the kit's package index and its SBOM.

The rebuild answers nothing from your package store: it builds every package into an
empty store of its own. It uses your source cache (url, apt and gomod sources are pinned
by hash and fetched again when missing, lookaside first), the SDK from your local OCI
store (linked, not copied; kitbash sdk pull it when missing) and your BuildKit engine,
whose cache may answer build steps: for a rebuild with no cache at all, point
--buildkit-host or --state-dir at a fresh engine.

Exits 0 when the rebuilt kit is the published one byte for byte, ` + strconv.Itoa(exitMismatch) + ` when it differs
(naming the packages), 1 on an error.`,
		Example: "  kitbash rebuild 127.0.0.1:5000/kitbash/core:0.1.0 --key keys/core.pub\n  kitbash rebuild registry.example.org/kits/core@sha256:… -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if strings.HasPrefix(args[0], "kits/") {
				return fmt.Errorf("%s is a kit of the local store, which carries no sources; fix: give the published reference, REPO:TAG or REPO@DIGEST", args[0])
			}
			ref, err := regref.Parse(args[0])
			if err != nil {
				return err
			}
			opts := []rebuild.Option{rebuild.WithRemoteOptions(kit.RemoteOptions(ctx)...), rebuild.WithLog(g.stderr),
				rebuild.WithTempDir(filepath.Join(g.cacheDir, "rebuild"))}
			if len(keys) > 0 {
				vs, err := loadVerifiers(keys)
				if err != nil {
					return err
				}
				opts = append(opts, rebuild.WithVerifiers(vs...))
			}
			if workDir != "" {
				opts = append(opts, rebuild.WithWorkDir(workDir))
			}
			rep, err := rebuild.Run(ctx, ref, g.rebuildKit(f), opts...)
			if err != nil {
				return err
			}
			if err := g.emit(rep, func() { _ = rep.WriteText(g.stdout) }); err != nil {
				return err
			}
			if !rep.Match {
				fmt.Fprintf(g.stderr, "kitbash: %s\n", rep.Summary())
				return exitError{code: exitMismatch}
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringArrayVar(&keys, "key", nil, "public key file: refuse the kit unless one of these signed it (repeatable)")
	fl.StringVar(&workDir, "work-dir", "", "rebuild in this new or empty folder and keep it (sources in DIR/src), to look into a mismatch")
	fl.IntVar(&f.jobs, "jobs", 2, "packages built at once")
	fl.BoolVar(&f.allowUnsigned, "allow-unsigned", false, "the kit's sources use external kits locked unsigned")
	return c
}

// rebuildKit builds a kit from unpacked sources the way build kit does, in a child of
// g whose project is the sources and whose cache folder is the rebuild's own: an empty
// package store, an OCI store holding only the SDK (linked from g's), and g's source
// cache (content-addressed and verified, so sharing it answers nothing unchecked).
// SOURCE_DATE_EPOCH is the kit's created time; source and revision are the kit's.
func (g *globals) rebuildKit(f buildFlags) rebuild.Build {
	return func(ctx context.Context, in rebuild.BuildInput) (rebuild.Built, error) {
		l, err := project.Load(in.Project)
		if err != nil {
			return rebuild.Built{}, err
		}
		h, err := v1.NewHash(l.Lock.SDK.Digest)
		if err != nil {
			return rebuild.Built{}, fmt.Errorf("the kit's %s: sdk.digest %q: %w", project.LockName, l.Lock.SDK.Digest, err)
		}
		user, err := g.store()
		if err != nil {
			return rebuild.Built{}, err
		}
		if !user.Has(h) {
			return rebuild.Built{}, fmt.Errorf("kit %s was built with the SDK %s, which is not in the local store %s; fix: kitbash sdk pull REPO@%s from where its publisher pushed it, or kitbash sdk build in a project with the same sdk section", in.Kit.Name, h, user.Dir(), h)
		}
		child := *g
		child.projectDir = in.Project
		child.cacheDir = filepath.Join(in.WorkDir, "cache")
		epoch := strconv.FormatInt(in.Epoch, 10)
		child.env = func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return epoch
			}
			return g.env(k)
		}
		sources, err := filepath.Abs(g.sourcesDir())
		if err != nil {
			return rebuild.Built{}, err
		}
		for _, d := range []string{sources, child.cacheDir} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return rebuild.Built{}, fmt.Errorf("rebuild: %w", err)
			}
		}
		if err := os.Symlink(sources, child.sourcesDir()); err != nil {
			return rebuild.Built{}, fmt.Errorf("rebuild: share the source cache: %w", err)
		}
		iso, err := child.store()
		if err != nil {
			return rebuild.Built{}, err
		}
		if err := rebuild.ShareImage(ctx, user, iso, h, sdk.ImageName(l.Lock.SDK.Name, h)); err != nil {
			return rebuild.Built{}, err
		}
		// A kit published outside a git checkout has no revision, and build kit would take
		// one from a checkout the work folder happens to be in: a .git file that leads
		// nowhere stops git's search here.
		if err := os.WriteFile(filepath.Join(in.Project, ".git"), []byte("gitdir: /nonexistent/kitbash-rebuild\n"), 0o644); err != nil {
			return rebuild.Built{}, fmt.Errorf("rebuild: %w", err)
		}
		kits, _, err := child.buildKits(ctx, []string{in.Kit.Name}, f, kitMeta{source: in.Kit.Source, revision: in.Kit.Revision})
		if err != nil {
			return rebuild.Built{}, err
		}
		return rebuild.Built{Digest: kits[0].Digest, Config: kits[0].config}, nil
	}
}
