package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/sign"
)

func newKitVerifyCmd(g *globals) *cobra.Command {
	var keys []string
	c := &cobra.Command{
		Use:   "verify REF --key FILE",
		Short: "Check a kit's signature, structure and every layer's content",
		Long: `Resolves REF (REPO:TAG or REPO@DIGEST) to its digest, checks that a signature by one of the
--key public keys covers exactly that digest, that the kit is well formed (its package
index matches its layers), and downloads every layer to check it against its digest. Exits
non-zero, naming what failed, otherwise.`,
		Example: "  kitbash kit verify 127.0.0.1:5000/kitbash/core:0.1.0 --key keys/core.pub",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(keys) == 0 {
				return fmt.Errorf("--key is required; fix: pass the publisher's public key file (cosign format)")
			}
			vs, err := loadVerifiers(keys)
			if err != nil {
				return err
			}
			k, err := g.openKitRef(ctx, args[0])
			if err != nil {
				return err
			}
			if k.Remote == nil {
				return fmt.Errorf("%s is a kit of the local store, which holds no signatures; fix: verify the published reference", args[0])
			}
			sigs, err := sign.Verify(ctx, *k.Remote, vs, sign.WithRemoteOptions(kit.RemoteOptions(ctx)...))
			if err != nil {
				return err
			}
			for i, l := range k.Layers {
				rc, err := l.Compressed()
				if err != nil {
					return fmt.Errorf("kit %s: package %s: %w", k.Remote, k.Config.Packages[i].Name, err)
				}
				_, err = io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil {
					return fmt.Errorf("kit %s: package %s does not match its digest: %w", k.Remote, k.Config.Packages[i].Name, err)
				}
			}
			type out struct {
				Ref      string `json:"ref"`
				KeyID    string `json:"keyId"`
				Packages int    `json:"packages"`
			}
			return g.emit(out{k.Remote.String(), sigs[0].KeyID, len(k.Config.Packages)}, func() {
				fmt.Fprintf(g.stdout, "verified %s: signed by key %s; %d packages match their digests\n", k.Remote, sigs[0].KeyID, len(k.Config.Packages))
			})
		},
	}
	c.Flags().StringArrayVar(&keys, "key", nil, "public key file (repeatable; any one must have signed)")
	return c
}

func loadVerifiers(files []string) ([]*sign.Verifier, error) {
	var vs []*sign.Verifier
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--key: %w", err)
		}
		v, err := sign.LoadPublicKey(b)
		if err != nil {
			return nil, fmt.Errorf("--key %s: %w", f, err)
		}
		vs = append(vs, v)
	}
	return vs, nil
}
