package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/sign"
)

func newKitKeygenCmd(g *globals) *cobra.Command {
	var passwordEnv string
	return &cobra.Command{
		Use:   "keygen PREFIX",
		Short: "Make a signing key pair in cosign's format: PREFIX.key and PREFIX.pub",
		Long: `Writes an ECDSA P-256 key pair as cosign writes it: PREFIX.key (encrypted with the password
from $COSIGN_PASSWORD, a prompt, or none) and PREFIX.pub. Point Kitbash.yaml signing.key at the
private key to sign kits you publish; give PREFIX.pub to those who use your kits (their
vendors: keys:). cosign generate-key-pair makes keys kitbash reads too.`,
		Example: "  COSIGN_PASSWORD=... kitbash kit keygen keys/acme",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			prefix := args[0]
			for _, p := range []string{prefix + ".key", prefix + ".pub"} {
				if _, err := os.Stat(p); err == nil {
					return fmt.Errorf("%s exists; fix: remove it or choose another PREFIX (kitbash never overwrites a key)", p)
				}
			}
			pw, err := g.password(passwordEnv, "the new key")
			if err != nil {
				return err
			}
			priv, pub, err := sign.GenerateKeyPair(pw)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(prefix+".key", priv, 0o600); err != nil {
				return err
			}
			if err := os.WriteFile(prefix+".pub", pub, 0o644); err != nil {
				return err
			}
			v, err := sign.LoadPublicKey(pub)
			if err != nil {
				return err
			}
			type out struct{ Private, Public, KeyID string }
			return g.emit(out{prefix + ".key", prefix + ".pub", v.ID()}, func() {
				fmt.Fprintf(g.stdout, "wrote %s.key and %s.pub (key id %s)\n", prefix, prefix, v.ID())
			})
		},
	}
}
