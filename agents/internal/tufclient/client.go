package tufclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Client is a TUF client of one repository. It is safe for concurrent use: Refresh
// holds the client's lock throughout, Download only while it looks the target up.
type Client struct {
	cfg         *config
	metadataURL string
	targetsURL  string
	cache       *cache

	mu        sync.Mutex
	root      *parsed[rootSigned]
	timestamp *parsed[timestampSigned]
	snapshot  *parsed[snapshotSigned]
	targets   *parsed[targetsSigned]
	refreshed bool // the last Refresh succeeded
}

// Versions are the versions of the trusted metadata; 0 for none.
type Versions struct {
	Root, Timestamp, Snapshot, Targets int64
}

// New makes a client trusting trustedRoot (a root.json, e.g. baked into the image),
// reading metadata below metadataURL and targets below targetsURL (for a kitbash
// repository: BASE/metadata and BASE/targets). The trusted root must be signed by a
// threshold of its own root keys; it may be expired (Refresh walks to a newer one).
// With WithCacheDir, New walks the root versions cached there from trustedRoot on, then
// loads the cached timestamp, snapshot and targets signed by the resulting root;
// cached files that do not verify are ignored (and reported through WithLogf).
func New(trustedRoot []byte, metadataURL, targetsURL string, opts ...Option) (*Client, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("tuf: %w", err)
	}
	if metadataURL == "" || targetsURL == "" {
		return nil, fmt.Errorf("tuf: metadata and targets URLs are required")
	}
	root, err := parseRoot(trustedRoot)
	if err == nil {
		err = root.verify(&root.signed, roleRoot)
	}
	if err != nil {
		return nil, fmt.Errorf("tuf: trusted root: %w", err)
	}
	c := &Client{
		cfg:         cfg,
		metadataURL: strings.TrimRight(metadataURL, "/"),
		targetsURL:  strings.TrimRight(targetsURL, "/"),
		root:        root,
	}
	if cfg.cacheDir != "" {
		c.cache = &cache{dir: cfg.cacheDir}
		if err := c.loadCache(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// loadCache walks the cached roots and loads the cached top-level metadata.
func (c *Client) loadCache() error {
	for {
		v := c.root.version + 1
		name := rootFile(v)
		b, ok, err := c.cache.read(name)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		next, err := nextRoot(c.root, b, v)
		if err != nil {
			c.cfg.logf("tuf: cache: ignoring %s: %v", name, err)
			break
		}
		c.root = next
	}
	if b, ok, err := c.cache.read(timestampFile); err != nil {
		return err
	} else if ok {
		p, err := parseTimestamp(b)
		if err == nil {
			err = p.verify(&c.root.signed, roleTimestamp)
		}
		if err != nil {
			c.cfg.logf("tuf: cache: ignoring %s: %v", timestampFile, err)
		} else {
			c.timestamp = p
		}
	}
	if b, ok, err := c.cache.read(snapshotFile); err != nil {
		return err
	} else if ok {
		p, err := parseSnapshot(b)
		if err == nil {
			err = p.verify(&c.root.signed, roleSnapshot)
		}
		if err != nil {
			c.cfg.logf("tuf: cache: ignoring %s: %v", snapshotFile, err)
		} else {
			c.snapshot = p
		}
	}
	if b, ok, err := c.cache.read(targetsFile); err != nil {
		return err
	} else if ok {
		p, err := parseTargets(b)
		if err == nil {
			err = p.verify(&c.root.signed, roleTargets)
		}
		if err != nil {
			c.cfg.logf("tuf: cache: ignoring %s: %v", targetsFile, err)
		} else {
			c.targets = p
		}
	}
	return nil
}

// Versions reports the versions of the metadata the client trusts now.
func (c *Client) Versions() Versions {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := Versions{Root: c.root.version}
	if c.timestamp != nil {
		v.Timestamp = c.timestamp.version
	}
	if c.snapshot != nil {
		v.Snapshot = c.snapshot.version
	}
	if c.targets != nil {
		v.Targets = c.targets.version
	}
	return v
}

// Refresh brings the trusted metadata up to date: root (walking N+1.root.json), then
// timestamp, snapshot and targets, checked as TUF specifies against the time the clock
// gives at the start. Target and Download need a successful Refresh.
func (c *Client) Refresh(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshed = false
	now := c.cfg.clock().UTC()
	if err := c.updateRoot(ctx, now); err != nil {
		return err
	}
	if err := c.updateTimestamp(ctx, now); err != nil {
		return err
	}
	if err := c.updateSnapshot(ctx, now); err != nil {
		return err
	}
	if err := c.updateTargets(ctx, now); err != nil {
		return err
	}
	c.refreshed = true
	return nil
}

// fetchMeta reads a metadata file, limit bytes at most.
func (c *Client) fetchMeta(ctx context.Context, role, name string, limit int64) ([]byte, error) {
	b, err := readAll(ctx, c.cfg.fetcher, c.metadataURL+"/"+name, limit)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("tuf: %s: %s is larger than %d bytes: %w", role, name, limit, err)
	}
	if err != nil {
		return nil, fmt.Errorf("tuf: %s: %w", role, err)
	}
	return b, nil
}

// sameRole reports whether two roots give a role the same keys and threshold.
func sameRole(a, b *rootSigned, name string) bool {
	ra, rb := a.Roles[name], b.Roles[name]
	if ra.Threshold != rb.Threshold {
		return false
	}
	ka, kb := slices.Clone(ra.KeyIDs), slices.Clone(rb.KeyIDs)
	slices.Sort(ka)
	slices.Sort(kb)
	if !slices.Equal(slices.Compact(ka), slices.Compact(kb)) {
		return false
	}
	for _, id := range ka {
		if a.Keys[id] != b.Keys[id] {
			return false
		}
	}
	return true
}
