package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/image/assemble"
	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/sdk"
	"github.com/kitbash-dev/kitbash/builder/variant"
	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// builtVariant is the result of `build variant`.
type builtVariant struct {
	Variant  string   `json:"variant"`
	Version  string   `json:"version"`
	Dir      string   `json:"dir"`
	Disk     string   `json:"disk"`
	QCOW2    string   `json:"qcow2,omitempty"`
	RootHash string   `json:"rootHash"`
	Packages []string `json:"packages"`
	// Status is "built", or "up to date" when the image was current and not rebuilt.
	Status   string `json:"status"`
	Duration string `json:"duration"`
}

// Statuses of `build variant`.
const (
	variantBuilt    = "built"
	variantUpToDate = "up to date"
)

func newBuildVariantCmd(g *globals) *cobra.Command {
	f := buildFlags{build: true}
	var qcow2, force bool
	var version string
	c := &cobra.Command{
		Use:   "variant NAME",
		Short: "Build a variant's bootable disk image, update images, SBOM and SHA256SUMS",
		Long: `Builds variants/NAME/variant.yaml into build/images/NAME/<release-version>/: the packages it
installs (its packages and their runtime requirements, each from one of the variant's kits)
are built or taken from the local store, the project's kits it names are built into the local
OCI store, and the image is assembled: a root file system in dependency order, an erofs root
image and a PRIVATE ext4 file system made in the SDK, the dm-verity tree, an initramfs with
the agents' init, a systemd-boot ESP made in the SDK, and a GPT disk with ESP, ROOT-A,
HASH-A, ROOT-B, HASH-B (empty), PRIVATE and DATA. Also written: zstd update images of the
root, hash tree and boot files, the SPDX SBOM, image.json and SHA256SUMS. The same inputs
give the same bytes.

When the image directory already holds the image of the same inputs (the variant, version,
packages, update root, migrations, SDK, SOURCE_DATE_EPOCH, --qcow2 and this kitbash
binary) and SHA256SUMS and every file it lists still have the size and modification time
the build left (build/images/NAME/VERSION/.kitbash-build.json), nothing is assembled and
the image is reported up to date; the engine is not started. --force assembles anyway.`,
		Example: "  kitbash build variant dev\n  kitbash build variant dev --qcow2\n  kitbash build variant dev --force",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := g.buildVariant(cmd.Context(), args[0], f, variantOptions{qcow2: qcow2, force: force, version: version})
			if err != nil {
				return err
			}
			return g.emit(out, func() {
				state := ""
				if out.Status == variantUpToDate {
					state = "up to date, "
				}
				fmt.Fprintf(g.stdout, "variant %s %s: %s%s (%d packages, %s)\n", out.Variant, out.Version, state, filepath.Join(out.Dir, out.Disk), len(out.Packages), out.Duration)
				fmt.Fprintf(g.stdout, "slot A root hash %s\n", out.RootHash)
			})
		},
	}
	fl := c.Flags()
	fl.StringVar(&version, "version", "", "the OS version to build (default: release-version in Kitbash.yaml), e.g. to make an update")
	fl.BoolVar(&qcow2, "qcow2", false, "also write a qcow2 copy of the disk (as formats: [qcow2] in variant.yaml does)")
	fl.BoolVar(&force, "force", false, "assemble the image even when it is up to date")
	fl.BoolVar(&f.release, "release", false, "release rules: refuse specs that opt into the network, and unlocked, unsigned or untrusted kits")
	fl.BoolVar(&f.allowUnsigned, "allow-unsigned", false, "use external kits locked unsigned (local development only; warns on every use)")
	fl.IntVar(&f.jobs, "jobs", 2, "packages built at once")
	fl.StringArrayVar(&f.cacheFrom, "cache-from", nil, "import BuildKit's cache and built packages from a directory or registry repository (repeatable)")
	fl.StringArrayVar(&f.cacheTo, "cache-to", nil, "export BuildKit's cache and built packages to a directory or registry repository (repeatable)")
	return c
}

// variantOptions are build variant's own flags.
type variantOptions struct {
	qcow2, force bool
	version      string // default: the project's release-version
}

func (g *globals) buildVariant(ctx context.Context, name string, f buildFlags, o variantOptions) (builtVariant, error) {
	start := time.Now()
	version := o.version
	if version != "" && !project.ValidVersion(version) {
		return builtVariant{}, fmt.Errorf("--version %q: fix: give a version like 0.2.0 (MAJOR.MINOR.PATCH[-pre])", version)
	}
	// The project's kits the variant names are built (so they are in the local store,
	// as a consumer would find them); external kits come locked and verified.
	ks, err := g.loadKits(ctx, nil, f.kitFlags)
	if err != nil {
		return builtVariant{}, err
	}
	l := ks.specs.project
	v, err := variant.Load(l.Dir, ks.specs.shown, name)
	if err != nil {
		return builtVariant{}, err
	}
	members, local, err := variantKits(v, ks)
	if err != nil {
		return builtVariant{}, err
	}
	ps := ks.specs
	order, err := installOrder(v, ps)
	if err != nil {
		return builtVariant{}, err
	}
	var problems yamlstrict.Problems
	for _, n := range order {
		if _, ok := members[n]; !ok {
			problems.Add(v.Doc.Problem("kits", fmt.Sprintf("package %q is installed but is in none of the kits %s", n, strings.Join(v.Kits, ", ")),
				"add the kit that carries it to kits:, or add it to one of the project's kits"))
		}
	}
	if err := problems.Err(); err != nil {
		return builtVariant{}, err
	}
	// Everything checks out: build the project's kits the variant uses (and so their
	// packages) into the local store.
	if len(local) > 0 {
		if _, _, err := g.buildKits(ctx, local, f, kitMeta{}); err != nil {
			return builtVariant{}, err
		}
	}
	b, closeEngine, err := g.packageBuilder(ps, f)
	if err != nil {
		return builtVariant{}, err
	}
	defer closeEngine()
	var localNames []string
	for _, n := range order {
		if _, ext := ps.external[n]; !ext {
			localNames = append(localNames, n)
		}
	}
	if _, err := b.Fetch(ctx, localNames...); err != nil {
		return builtVariant{}, err
	}
	results, err := b.Build(ctx, localNames...)
	if err != nil {
		return builtVariant{}, err
	}
	byName := map[string]assemble.Package{}
	for _, r := range results {
		byName[r.Name] = assemble.Package{Manifest: r.Manifest, Tar: r.Tar}
	}
	for n, e := range ps.external {
		byName[n] = assemble.Package{Manifest: e.Manifest, Tar: e.Tar}
	}
	var pkgs []assemble.Package
	for _, n := range order {
		p, ok := byName[n]
		if !ok {
			return builtVariant{}, fmt.Errorf("package %s was not built", n)
		}
		pkgs = append(pkgs, p)
	}

	ls, err := g.lockedSDK()
	if err != nil {
		return builtVariant{}, err
	}
	if !ls.store.Has(ls.digest) {
		return builtVariant{}, fmt.Errorf("sdk %s is not in the local store %s; fix: run `kitbash sdk build`", ls.digest, ls.store.Dir())
	}
	epoch, err := g.sourceDateEpoch(l.Dir, project.FileName)
	if err != nil {
		return builtVariant{}, err
	}
	if version == "" {
		version = l.Project.ReleaseVersion
	}
	outDir := imageinfo.Dir(l.Dir, v.Name, version)
	var updateRoot []byte
	if r := v.Updates.Root; r != "" {
		if updateRoot, err = os.ReadFile(filepath.Join(filepath.Dir(filepath.Join(l.Dir, variant.Dir, v.Name, variant.File)), r)); err != nil {
			return builtVariant{}, fmt.Errorf("%s: updates.root: %w", v.File, err)
		}
	}
	in := assemble.Input{Variant: &v.Spec, Version: version, Packages: pkgs, SDK: ls.digest.String(), UpdateRoot: updateRoot, Migrations: v.Migrations}
	opts := []assemble.Option{assemble.WithEpoch(time.Unix(epoch, 0)), assemble.WithLog(g.stderr), assemble.WithQCOW2(o.qcow2)}
	result := func(im *imageinfo.Image, status string) builtVariant {
		a, _ := im.Slot("a")
		return builtVariant{Variant: v.Name, Version: version, Dir: outDir, Disk: im.Disk, QCOW2: im.QCOW2, RootHash: a.RootHash,
			Packages: im.Packages, Status: status, Duration: time.Since(start).Round(time.Millisecond).String()}
	}
	tool, err := assemble.ExecutableID()
	if err != nil {
		return builtVariant{}, fmt.Errorf("image %s %s: %w", v.Name, version, err)
	}
	opts = append(opts, assemble.WithTool(tool))
	if !o.force {
		im, why, err := assemble.Current(in, outDir, opts...)
		if err != nil {
			return builtVariant{}, fmt.Errorf("image %s %s: %w", v.Name, version, err)
		}
		if im != nil {
			return result(im, variantUpToDate), nil
		}
		fmt.Fprintf(g.stderr, "image: assembling %s %s: %s\n", v.Name, version, why)
	}
	sdkCfg, err := sdk.LoadConfig(ls.store, ls.digest)
	if err != nil {
		return builtVariant{}, err
	}
	cs, err := ls.store.ContentStore(ctx)
	if err != nil {
		return builtVariant{}, err
	}
	e, err := g.engine(ctx, g.startOptions()...)
	if err != nil {
		return builtVariant{}, err
	}
	defer e.Close()
	runner := &sandbox.Runner{
		Client: e.Client, Store: cs, Epoch: epoch, Progress: g.progressMode(), Log: g.stderr,
		Base: sandbox.Base{Ref: sdk.ImageName(ls.locked.Name, ls.digest), StoreID: "kitbash-store", Env: sdkCfg.Env},
	}
	im, err := assemble.Build(ctx, in, outDir, append(opts, assemble.WithRunner(runner))...)
	if err != nil {
		return builtVariant{}, err
	}
	return result(im, variantBuilt), nil
}

// variantKits maps every package the variant's kits carry to its kit, and names the
// project's own kits among them (to build). A kit that is neither the project's nor
// locked is an error.
func variantKits(v *variant.Loaded, ks projectKits) (map[string]string, []string, error) {
	own := map[string]bool{}
	members := map[string]string{}
	var local []string
	external := map[string]bool{}
	for _, e := range ks.specs.external {
		external[e.Kit] = true
	}
	var problems yamlstrict.Problems
	for i, k := range v.Kits {
		found := false
		for _, spec := range ks.kits {
			if spec.Name != k {
				continue
			}
			found, own[k] = true, true
			local = append(local, k)
			names, err := ks.specs.kitPackages(spec)
			if err != nil {
				return nil, nil, err
			}
			for _, n := range names {
				members[n] = k
			}
		}
		if external[k] {
			found = true
			for n, e := range ks.specs.external {
				if e.Kit == k {
					members[n] = k
				}
			}
		}
		if !found {
			problems.Add(v.Doc.Problem(yamlstrict.Index("kits", i), fmt.Sprintf("kit %q is neither one of the project's kits nor locked", k),
				"add kits/"+k+"/kit.yaml, or list the kit in Kitbash.yaml and run `kitbash update`"))
		}
	}
	return members, local, problems.Err()
}

// installOrder is the variant's packages, the kernel and their runtime requirements,
// dependencies first; packages otherwise keep the order variant.yaml lists them in.
func installOrder(v *variant.Loaded, ps projectSpecs) ([]string, error) {
	roots := append(append([]string(nil), v.Packages...), v.Kernel.Package)
	if _, err := ps.graph.RuntimeClosure(roots...); err != nil {
		return nil, fmt.Errorf("%s: packages: %w", v.File, err)
	}
	seen := map[string]bool{}
	var out []string
	var visit func(n string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		deps := ps.graph.RuntimeDeps(n)
		sort.Strings(deps)
		for _, d := range deps {
			visit(d)
		}
		out = append(out, n)
	}
	for _, r := range roots {
		if canon, ok := ps.graph.Lookup(r); ok {
			visit(canon)
		}
	}
	return out, nil
}
