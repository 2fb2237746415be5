package tufrepo

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Created describes a new repository.
type Created struct {
	Dir  string `json:"dir"`
	Root string `json:"root"` // path of the root.json to give clients
}

// Create makes an empty repository in dir: root (version 1, consistent snapshots) with
// the keys of all four roles, targets holding an empty manifest.json, snapshot and
// timestamp. It refuses a directory that already holds a repository.
func Create(dir string, keys *Keys, opts ...Option) (*Created, error) {
	c, err := newConfig(opts)
	if err == nil {
		err = c.needNow()
	}
	if err != nil {
		return nil, fmt.Errorf("repo create %s: %w", dir, err)
	}
	if _, err := latestRootVersion(filepath.Join(dir, MetadataDir)); err == nil {
		return nil, fmt.Errorf("repo create %s: a repository exists there; fix: use `kitbash repo add` to extend it, or choose another directory", dir)
	}
	if err := create(dir, keys, c); err != nil {
		return nil, fmt.Errorf("repo create %s: %w", dir, err)
	}
	c.logf("created repository %s", dir)
	return &Created{Dir: dir, Root: filepath.Join(dir, MetadataDir, "root.json")}, nil
}

func create(dir string, keys *Keys, c *config) error {
	for _, role := range topRoles() { // all signers at hand before anything is written
		if _, err := keys.signers(role); err != nil {
			return err
		}
	}
	for _, sub := range []string{MetadataDir, TargetsDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	root := metadata.Root(c.now.Add(c.policy.Root))
	if err := setRootKeys(&root.Signed, keys); err != nil {
		return err
	}
	rootSigners, _ := keys.signers(metadata.ROOT)
	r := &repo{
		dir:       dir,
		root:      root,
		targets:   metadata.Targets(c.now),
		snapshot:  metadata.Snapshot(c.now),
		timestamp: metadata.Timestamp(c.now),
	}
	r.targets.Signed.Version, r.snapshot.Signed.Version, r.timestamp.Signed.Version = 0, 0, 0
	if err := r.writeRoot(nil, rootSigners); err != nil {
		return err
	}
	if err := r.putManifest(emptyManifest()); err != nil {
		return err
	}
	return r.publish(keys, c.now, c.policy, true)
}

// setRootKeys replaces the keys and roles of root with those of keys.
func setRootKeys(root *metadata.RootType, keys *Keys) error {
	root.Keys = map[string]*metadata.Key{}
	for _, role := range topRoles() {
		rk, ok := keys.Roles[role]
		if !ok {
			return fmt.Errorf("no %s keys", role)
		}
		root.Roles[role] = &metadata.Role{KeyIDs: []string{}, Threshold: rk.Threshold}
		for _, k := range rk.Keys {
			if err := root.AddKey(k, role); err != nil {
				return err
			}
		}
	}
	return nil
}
