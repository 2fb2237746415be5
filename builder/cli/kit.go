package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/regref"
)

func newKitCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "kit",
		Short: "Inspect and verify kits, and make signing keys",
	}
	c.AddCommand(newKitInspectCmd(g), newKitVerifyCmd(g), newKitKeygenCmd(g))
	return c
}

// openedKit is a kit found by a reference: in a registry (Digest set) or the local store.
type openedKit struct {
	*kit.Opened
	Remote *name.Digest // nil for a kit of the local store
}

// openKitRef opens REF: a local store name (kits/NAME:VERSION or kits/NAME@DIGEST), or
// a registry reference (REPO:TAG or REPO@DIGEST), resolved to its digest.
func (g *globals) openKitRef(ctx context.Context, ref string) (openedKit, error) {
	if strings.HasPrefix(ref, "kits/") {
		store, err := g.store()
		if err != nil {
			return openedKit{}, err
		}
		desc, err := store.Resolve(ref)
		if err != nil {
			return openedKit{}, fmt.Errorf("kit %s: %w; fix: run kitbash build kit, or give a registry reference", ref, err)
		}
		idx, err := store.Index(desc.Digest)
		if err != nil {
			return openedKit{}, err
		}
		k, err := kit.Open(idx, "x86_64")
		return openedKit{Opened: k}, err
	}
	r, err := regref.Parse(ref)
	if err != nil {
		return openedKit{}, err
	}
	d, err := resolveDigest(ctx, r)
	if err != nil {
		return openedKit{}, err
	}
	idx, err := remote.Index(d, kit.RemoteOptions(ctx)...)
	if err != nil {
		return openedKit{}, fmt.Errorf("kit %s: %w", d, err)
	}
	k, err := kit.Open(idx, "x86_64")
	if err != nil {
		return openedKit{}, err
	}
	return openedKit{Opened: k, Remote: &d}, nil
}

// resolveDigest turns a tag into the digest it names now.
func resolveDigest(ctx context.Context, r name.Reference) (name.Digest, error) {
	if d, ok := r.(name.Digest); ok {
		return d, nil
	}
	desc, err := remote.Head(r, kit.RemoteOptions(ctx)...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("resolve %s: %w", r, err)
	}
	return r.Context().Digest(desc.Digest.String()), nil
}

// layerSum is the total size of a kit's package layers.
func layerSum(k *kit.Opened) int64 {
	var n int64
	for _, p := range k.Config.Packages {
		n += p.Files.Size
	}
	return n
}
