package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/kitset"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/regref"
	"github.com/kitbash-dev/kitbash/builder/sign"
)

func newUpdateCmd(g *globals) *cobra.Command {
	var allowUnsigned bool
	c := &cobra.Command{
		Use:   "update",
		Short: "Resolve the kits of Kitbash.yaml to digests, verify and pull them, and lock them",
		Long: `For each kit in Kitbash.yaml (kits:), resolves VENDOR-REGISTRY/NAME:VERSION to its digest,
verifies its signature against the vendor's trusted keys (vendors: NAME: keys:), pulls it
into the local store checking every blob, and records name, version, vendor, source, digest
and signer in Kitbash.lock. Builds use only these locked digests. A kit that is unsigned is
refused unless --allow-unsigned (local development: it is locked without a signer and every
build that uses it warns; release builds refuse it). Kits that carry the same package are
an error unless Kitbash.yaml prefer: names the winner.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ps, err := g.loadSpecs()
			if err != nil {
				return err
			}
			l := ps.project
			t, err := trust(l)
			if err != nil {
				return err
			}
			store, err := g.store()
			if err != nil {
				return err
			}
			opts := kitset.LoadOptions{Store: store, Trust: t, Arch: "x86_64"}
			lock := l.Lock
			lock.SchemaVersion = project.SchemaVersion
			lock.Kits = nil
			var providers []kitset.Provider
			for _, k := range l.Project.Kits {
				v := l.Project.Vendors[k.Vendor]
				source := v.Registry + "/" + k.Name + ":" + k.Version
				r, err := regref.Parse(source)
				if err != nil {
					return fmt.Errorf("kit %s: %w", k.Name, err)
				}
				d, err := resolveDigest(ctx, r)
				if err != nil {
					return fmt.Errorf("kit %s %s: %w; fix: check that vendor %s publishes it at %s", k.Name, k.Version, err, k.Vendor, source)
				}
				signer, err := kitset.Verify(ctx, d, k.Vendor, opts)
				switch {
				case err == nil:
				case errors.Is(err, sign.ErrUnsigned) && allowUnsigned:
					fmt.Fprintf(g.stderr, "WARNING: kit %s %s (%s) is unsigned; locking it because of --allow-unsigned (builds will warn, release builds refuse it)\n", k.Name, k.Version, d)
				default:
					return fmt.Errorf("kit %s %s: %w", k.Name, k.Version, err)
				}
				opened, err := kit.Pull(ctx, store, d, "x86_64")
				if err != nil {
					return err
				}
				if opened.Config.Name != k.Name || opened.Config.Version != k.Version {
					return fmt.Errorf("kit %s %s: %s holds kit %s %s; fix: ask vendor %s to fix the tag", k.Name, k.Version, d, opened.Config.Name, opened.Config.Version, k.Vendor)
				}
				lock.Kits = append(lock.Kits, project.LockedKit{Name: k.Name, Version: k.Version, Vendor: k.Vendor, Source: source, Digest: d.DigestStr(), Signer: signer})
				p := kitset.Provider{Name: k.Name}
				for _, m := range opened.Config.Packages {
					p.Packages = append(p.Packages, kitset.Member{Manifest: m})
				}
				providers = append(providers, p)
			}
			if _, err := kitset.Combine(append(providers, localProvider(ps.specs)), l.Project.Prefer); err != nil {
				return err
			}
			if err := l.WriteLock(lock); err != nil {
				return err
			}
			if lock.Kits == nil {
				lock.Kits = []project.LockedKit{}
			}
			return g.emit(lock.Kits, func() {
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KIT\tVERSION\tVENDOR\tSIGNER\tDIGEST")
				for _, k := range lock.Kits {
					signer := k.Signer
					if signer == "" {
						signer = "UNSIGNED"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, k.Version, k.Vendor, signer, k.Digest)
				}
				tw.Flush()
				fmt.Fprintf(g.stdout, "%d kits locked in %s\n", len(lock.Kits), project.LockName)
			})
		},
	}
	c.Flags().BoolVar(&allowUnsigned, "allow-unsigned", false, "lock unsigned kits (local development only; every build that uses them warns)")
	return c
}
