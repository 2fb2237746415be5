package tufrepo

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Rotated reports a root rotation.
type Rotated struct {
	RootVersion int64  `json:"rootVersion"`
	Root        string `json:"root"`
}

// RotateRoot signs a new root version that trusts the keys in newKeys (all four roles)
// instead of those of the current root. It carries a threshold of signatures of the old
// root keys (so clients holding the old root accept it) and of the new ones. Targets,
// snapshot and timestamp are then re-signed with the new keys as new versions.
func RotateRoot(dir string, oldKeys, newKeys *Keys, opts ...Option) (*Rotated, error) {
	fail := func(err error) (*Rotated, error) { return nil, fmt.Errorf("repo rotate-root %s: %w", dir, err) }
	c, err := newConfig(opts)
	if err == nil {
		err = c.needNow()
	}
	if err != nil {
		return fail(err)
	}
	r, err := openRepo(dir)
	if err != nil {
		return fail(err)
	}
	oldSigners, err := oldKeys.signers(metadata.ROOT)
	if err != nil {
		return fail(fmt.Errorf("old keys: %w", err))
	}
	newSigners, err := newKeys.signers(metadata.ROOT)
	if err != nil {
		return fail(fmt.Errorf("new keys: %w", err))
	}
	for _, role := range topRoles()[1:] {
		if _, err := newKeys.signers(role); err != nil {
			return fail(fmt.Errorf("new keys: %w", err))
		}
	}
	old := r.root
	next := metadata.Root(c.now.Add(c.policy.Root))
	next.Signed.Version = old.Signed.Version + 1
	next.Signed.ConsistentSnapshot = old.Signed.ConsistentSnapshot
	if err := setRootKeys(&next.Signed, newKeys); err != nil {
		return fail(err)
	}
	r.root = next
	if err := r.writeRoot([]*metadata.Metadata[metadata.RootType]{old}, oldSigners, newSigners); err != nil {
		return fail(fmt.Errorf("%w; fix: --keys must hold the current root keys", err))
	}
	if err := r.publish(newKeys, c.now, c.policy, true); err != nil {
		return fail(err)
	}
	c.logf("rotated root of %s to version %d", dir, next.Signed.Version)
	return &Rotated{RootVersion: next.Signed.Version, Root: r.metaPath("root.json")}, nil
}
