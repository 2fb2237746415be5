package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/attest"
	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/sign"
)

// inspected is `kit inspect`'s result.
type inspected struct {
	Ref        string            `json:"ref"`
	Digest     string            `json:"digest"`
	Kit        kit.Config        `json:"kit"`
	Size       int64             `json:"size"`
	Signatures []inspectedSig    `json:"signatures,omitempty"`
	Unsigned   bool              `json:"unsigned,omitempty"`
	Referrers  []attest.Referrer `json:"referrers,omitempty"`
	SBOM       *sbomSummary      `json:"sbom,omitempty"`
}

type inspectedSig struct {
	KeyID   string `json:"keyId"`
	Trusted bool   `json:"trusted"`
}

type sbomSummary struct {
	Name     string `json:"name"`
	Version  string `json:"spdxVersion"`
	Packages int    `json:"packages"`
}

func newKitInspectCmd(g *globals) *cobra.Command {
	var keys []string
	c := &cobra.Command{
		Use:   "inspect REF",
		Short: "Show a kit: its packages, signatures and SBOM",
		Long: `Shows a kit from a registry (REPO:TAG or REPO@DIGEST) or from the local store
(kits/NAME:VERSION): its metadata and package table; for a registry kit also its
signatures (checked against --key files and the project's trusted vendor keys) and its
attached SBOM and provenance. --output json prints everything.`,
		Example: "  kitbash kit inspect 127.0.0.1:5000/kitbash/core:0.1.0\n  kitbash kit inspect kits/core:0.1.0 -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			k, err := g.openKitRef(ctx, args[0])
			if err != nil {
				return err
			}
			out := inspected{Ref: args[0], Digest: k.Digest.String(), Kit: k.Config, Size: layerSum(k.Opened)}
			if k.Remote != nil {
				vs, err := g.inspectKeys(keys)
				if err != nil {
					return err
				}
				sigs, err := sign.Verify(ctx, *k.Remote, vs, sign.WithRemoteOptions(kit.RemoteOptions(ctx)...))
				switch {
				case errors.Is(err, sign.ErrUnsigned):
					out.Unsigned = true
				case err == nil:
					for _, s := range sigs {
						out.Signatures = append(out.Signatures, inspectedSig{KeyID: s.KeyID, Trusted: true})
					}
				case errors.Is(err, sign.ErrUntrusted):
					out.Signatures = append(out.Signatures, inspectedSig{KeyID: "(none of the given keys)", Trusted: false})
				default:
					return err
				}
				if out.Referrers, err = attest.List(ctx, *k.Remote, "", kit.RemoteOptions(ctx)...); err != nil {
					return err
				}
				for _, r := range out.Referrers {
					if r.ArtifactType != attest.SBOMArtifactType {
						continue
					}
					b, err := attest.Fetch(ctx, k.Remote.Context(), r.Digest, kit.RemoteOptions(ctx)...)
					if err != nil {
						return err
					}
					var doc struct {
						Name        string            `json:"name"`
						SPDXVersion string            `json:"spdxVersion"`
						Packages    []json.RawMessage `json:"packages"`
					}
					if err := json.Unmarshal(b, &doc); err != nil {
						return fmt.Errorf("SBOM %s: %w", r.Digest, err)
					}
					out.SBOM = &sbomSummary{Name: doc.Name, Version: doc.SPDXVersion, Packages: len(doc.Packages)}
				}
			}
			return g.emit(out, func() { printInspected(g, out) })
		},
	}
	c.Flags().StringArrayVar(&keys, "key", nil, "public key to check signatures with (repeatable; the project's vendor keys are used too)")
	return c
}

// inspectKeys are the --key files plus every trusted vendor key of the project, if any.
func (g *globals) inspectKeys(files []string) ([]*sign.Verifier, error) {
	vs, err := loadVerifiers(files)
	if err != nil {
		return nil, err
	}
	if l, err := g.project(); err == nil {
		t, err := trust(l)
		if err != nil {
			return nil, err
		}
		for _, keys := range t {
			vs = append(vs, keys...)
		}
	}
	return vs, nil
}

func printInspected(g *globals, out inspected) {
	c := out.Kit
	fmt.Fprintf(g.stdout, "kit %s %s (%s)\n", c.Name, c.Version, out.Digest)
	fmt.Fprintf(g.stdout, "  created %s, arch %s, sdk %s\n", c.Created, c.Arch, c.SDK)
	if c.Source != "" {
		fmt.Fprintf(g.stdout, "  source %s\n", c.Source)
	}
	if c.Revision != "" {
		fmt.Fprintf(g.stdout, "  revision %s\n", c.Revision)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PACKAGE\tVERSION\tLICENSE\tSIZE\tDIGEST")
	for _, p := range c.Packages {
		lic := "-"
		if len(p.Licenses) > 0 {
			lic = p.Licenses[0]
		}
		fmt.Fprintf(tw, "  %s\t%s-%d\t%s\t%s\t%s\n", p.Name, p.Version, p.Release, lic, humanBytes(p.Files.Size), p.Files.Digest)
	}
	tw.Flush()
	fmt.Fprintf(g.stdout, "  %d packages, %s\n", len(c.Packages), humanBytes(out.Size))
	switch {
	case out.Unsigned:
		fmt.Fprintln(g.stdout, "  signatures: none (unsigned)")
	case len(out.Signatures) > 0:
		for _, s := range out.Signatures {
			fmt.Fprintf(g.stdout, "  signature: key %s, trusted %v\n", s.KeyID, s.Trusted)
		}
	}
	for _, r := range out.Referrers {
		fmt.Fprintf(g.stdout, "  attached %s: %s (%s)\n", r.ArtifactType, r.Digest, humanBytes(r.Size))
	}
	if out.SBOM != nil {
		fmt.Fprintf(g.stdout, "  SBOM: %s, %s, %d SPDX packages\n", out.SBOM.Name, out.SBOM.Version, out.SBOM.Packages)
	}
}
