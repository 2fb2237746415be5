package kitset

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/regref"
	"github.com/kitbash-dev/kitbash/builder/sign"
)

// Trust is what the project trusts: per vendor, the keys its kits must be signed with.
type Trust map[string][]*sign.Verifier

// LoadOptions say where locked kits are kept and how strictly they are checked.
type LoadOptions struct {
	Store         *ocistore.Store
	Trust         Trust
	AllowUnsigned bool // local development: use unsigned kits, with a warning each time
	Release       bool // re-verify every signature against the registry; refuse unsigned kits
	Offline       bool // never contact a registry: a kit missing from the store is an error
	Arch          string
	Remote        []remote.Option
	Log           io.Writer // warnings
}

// LoadLocked returns the locked kits as providers, pulling a kit into the store first
// when it is missing there. A kit is used only once its signature verifies against its
// vendor's trusted keys (checked when it is pulled, and again on every release build),
// unless it was locked unsigned and AllowUnsigned is set.
func LoadLocked(ctx context.Context, locked []project.LockedKit, o LoadOptions) ([]Provider, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	var out []Provider
	for _, l := range locked {
		k, err := loadOne(ctx, l, o)
		if err != nil {
			return nil, fmt.Errorf("kit %s %s (%s): %w", l.Name, l.Version, l.Digest, err)
		}
		p := Provider{Name: l.Name}
		for i, m := range k.Config.Packages {
			h, err := k.Layers[i].Digest()
			if err != nil {
				return nil, err
			}
			p.Packages = append(p.Packages, Member{Manifest: m, Tar: o.Store.BlobPath(h)})
		}
		out = append(out, p)
	}
	return out, nil
}

func loadOne(ctx context.Context, l project.LockedKit, o LoadOptions) (*kit.Opened, error) {
	r, err := regref.Parse(l.Source)
	if err != nil {
		return nil, err
	}
	d := r.Context().Digest(l.Digest)
	h, err := v1.NewHash(l.Digest)
	if err != nil {
		return nil, err
	}
	have := o.Store.Has(h)
	if !have && o.Offline {
		return nil, errors.New("it is not in the local store; fix: run kitbash update")
	}
	switch {
	case l.Signer == "" && o.Offline:
	case l.Signer == "" && o.Release:
		return nil, errors.New("it is unsigned, and release builds use only kits signed by a trusted key; fix: have its vendor sign it, then run kitbash update")
	case l.Signer == "" && !o.AllowUnsigned:
		return nil, fmt.Errorf("it was locked unsigned; fix: run kitbash update once its vendor signs it, or pass --allow-unsigned for local development")
	case l.Signer == "":
		fmt.Fprintf(o.Log, "WARNING: using unsigned kit %s %s (--allow-unsigned): anyone who can write to %s can change what you build\n", l.Name, l.Version, r.Context())
	case o.Release || !have:
		if _, err := Verify(ctx, d, l.Vendor, o); err != nil {
			return nil, err
		}
	}
	if !have {
		if _, err := kit.Pull(ctx, o.Store, d, o.Arch, o.Remote...); err != nil {
			return nil, err
		}
	}
	idx, err := o.Store.Index(h)
	if err != nil {
		return nil, err
	}
	k, err := kit.Open(idx, o.Arch)
	if err != nil {
		return nil, err
	}
	if k.Config.Name != l.Name || k.Config.Version != l.Version {
		return nil, fmt.Errorf("its metadata names %s %s; fix: run kitbash update", k.Config.Name, k.Config.Version)
	}
	return k, nil
}

// Verify checks d's signatures against the vendor's trusted keys and returns the id of
// the key that signed it.
func Verify(ctx context.Context, d name.Digest, vendor string, o LoadOptions) (string, error) {
	keys := o.Trust[vendor]
	if len(keys) == 0 {
		return "", fmt.Errorf("vendor %s has no trusted keys; fix: list its public keys under vendors: %s: keys: in Kitbash.yaml", vendor, vendor)
	}
	sigs, err := sign.Verify(ctx, d, keys, sign.WithRemoteOptions(append(kit.RemoteOptions(ctx), o.Remote...)...))
	if err != nil {
		return "", err
	}
	return sigs[0].KeyID, nil
}
