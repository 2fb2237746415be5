package tufclient

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Names of metadata files in the repository and the cache.
const (
	timestampFile = "timestamp.json"
	snapshotFile  = "snapshot.json"
	targetsFile   = "targets.json"
)

func rootFile(v int64) string { return fmt.Sprintf("%d.root.json", v) }

// nextRoot checks b as root version v following trusted (TUF 5.3.4-5.3.5): signed by
// a threshold of trusted's root keys and of its own, and exactly version v. Expiry is
// not checked here: only the last root of a walk must be current.
func nextRoot(trusted *parsed[rootSigned], b []byte, v int64) (*parsed[rootSigned], error) {
	p, err := parseRoot(b)
	if err != nil {
		return nil, err
	}
	if err := p.verify(&trusted.signed, roleRoot); err != nil {
		return nil, fmt.Errorf("not trusted by root version %d: %w", trusted.version, err)
	}
	if err := p.verify(&p.signed, roleRoot); err != nil {
		return nil, fmt.Errorf("not signed by its own root keys: %w", err)
	}
	if p.version != v {
		return nil, fmt.Errorf("holds version %d, want %d", p.version, v)
	}
	return p, nil
}

// updateRoot walks N+1.root.json until the repository has none (TUF 5.3).
func (c *Client) updateRoot(ctx context.Context, now time.Time) error {
	for range c.cfg.maxRootRotations {
		v := c.root.version + 1
		name := rootFile(v)
		b, err := c.fetchMeta(ctx, roleRoot, name, c.cfg.limits.Root)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		next, err := nextRoot(c.root, b, v)
		if err != nil {
			return fmt.Errorf("tuf: root: %s: %w", name, err)
		}
		if err := c.persist(name, b); err != nil {
			return err
		}
		old := c.root
		c.root = next
		// TUF 5.3.11: new timestamp or snapshot keys mean the trusted timestamp and
		// snapshot may have been signed by compromised keys; forget them.
		if !sameRole(&old.signed, &next.signed, roleTimestamp) || !sameRole(&old.signed, &next.signed, roleSnapshot) {
			c.timestamp, c.snapshot = nil, nil
			if err := c.forget(timestampFile, snapshotFile); err != nil {
				return err
			}
		}
	}
	if expired(c.root.expires, now) {
		return fmt.Errorf("tuf: root: version %d expired at %s", c.root.version, fmtTime(c.root.expires))
	}
	return nil
}

// updateTimestamp fetches timestamp.json (TUF 5.4).
func (c *Client) updateTimestamp(ctx context.Context, now time.Time) error {
	b, err := c.fetchMeta(ctx, roleTimestamp, timestampFile, c.cfg.limits.Timestamp)
	if err != nil {
		return err
	}
	p, err := parseTimestamp(b)
	if err == nil {
		err = p.verify(&c.root.signed, roleTimestamp)
	}
	if err != nil {
		return fmt.Errorf("tuf: timestamp: %w", err)
	}
	sm, ok := p.signed.Meta[snapshotFile]
	if !ok {
		return fmt.Errorf("tuf: timestamp: version %d lists no %s", p.version, snapshotFile)
	}
	if sm.Version < 1 {
		return fmt.Errorf("tuf: timestamp: lists %s version %d", snapshotFile, sm.Version)
	}
	fresh := true
	if old := c.timestamp; old != nil {
		switch {
		case p.version < old.version:
			return fmt.Errorf("tuf: timestamp: version %d is older than trusted version %d (rollback)", p.version, old.version)
		case p.version == old.version:
			p, fresh = old, false // keep what is trusted
		default:
			if om, ok := old.signed.Meta[snapshotFile]; ok && sm.Version < om.Version {
				return fmt.Errorf("tuf: timestamp: lists snapshot version %d, older than trusted snapshot version %d (rollback)", sm.Version, om.Version)
			}
		}
	}
	if expired(p.expires, now) {
		return fmt.Errorf("tuf: timestamp: expired at %s", fmtTime(p.expires))
	}
	if fresh {
		if err := c.persist(timestampFile, b); err != nil {
			return err
		}
	}
	c.timestamp = p
	return nil
}

// updateSnapshot fetches the snapshot timestamp lists (TUF 5.5), or keeps the trusted
// one when it is that snapshot.
func (c *Client) updateSnapshot(ctx context.Context, now time.Time) error {
	sm := c.timestamp.signed.Meta[snapshotFile]
	name := snapshotFile
	if c.root.signed.ConsistentSnapshot {
		name = fmt.Sprintf("%d.%s", sm.Version, snapshotFile)
	}
	var p *parsed[snapshotSigned]
	if t := c.snapshot; t != nil && t.version == sm.Version && checkMetaFile(sm, t.raw) == nil && t.verify(&c.root.signed, roleSnapshot) == nil {
		p = t
	} else {
		limit := c.cfg.limits.Snapshot
		if sm.Length != nil {
			limit = *sm.Length
		}
		b, err := c.fetchMeta(ctx, roleSnapshot, name, limit)
		if err != nil {
			return err
		}
		if err := checkMetaFile(sm, b); err != nil {
			return fmt.Errorf("tuf: snapshot: %s: %w", name, err)
		}
		if p, err = parseSnapshot(b); err == nil {
			err = p.verify(&c.root.signed, roleSnapshot)
		}
		if err != nil {
			return fmt.Errorf("tuf: snapshot: %w", err)
		}
	}
	if p.version != sm.Version {
		return fmt.Errorf("tuf: snapshot: version %d, timestamp lists version %d", p.version, sm.Version)
	}
	if old := c.snapshot; old != nil && old != p {
		if p.version < old.version {
			return fmt.Errorf("tuf: snapshot: version %d is older than trusted version %d (rollback)", p.version, old.version)
		}
		for file, om := range old.signed.Meta {
			nm, ok := p.signed.Meta[file]
			if !ok {
				return fmt.Errorf("tuf: snapshot: version %d no longer lists %s (rollback)", p.version, file)
			}
			if nm.Version < om.Version {
				return fmt.Errorf("tuf: snapshot: %s version %d is older than trusted version %d (rollback)", file, nm.Version, om.Version)
			}
		}
	}
	if expired(p.expires, now) {
		return fmt.Errorf("tuf: snapshot: expired at %s", fmtTime(p.expires))
	}
	if p != c.snapshot {
		if err := c.persist(snapshotFile, p.raw); err != nil {
			return err
		}
	}
	c.snapshot = p
	return nil
}

// updateTargets fetches the targets snapshot lists (TUF 5.6), or keeps the trusted
// one when it is that targets.
func (c *Client) updateTargets(ctx context.Context, now time.Time) error {
	tm, ok := c.snapshot.signed.Meta[targetsFile]
	if !ok {
		return fmt.Errorf("tuf: snapshot: version %d lists no %s", c.snapshot.version, targetsFile)
	}
	name := targetsFile
	if c.root.signed.ConsistentSnapshot {
		name = fmt.Sprintf("%d.%s", tm.Version, targetsFile)
	}
	var p *parsed[targetsSigned]
	if t := c.targets; t != nil && t.version == tm.Version && checkMetaFile(tm, t.raw) == nil && t.verify(&c.root.signed, roleTargets) == nil {
		p = t
	} else {
		limit := c.cfg.limits.Targets
		if tm.Length != nil {
			limit = *tm.Length
		}
		b, err := c.fetchMeta(ctx, roleTargets, name, limit)
		if err != nil {
			return err
		}
		if err := checkMetaFile(tm, b); err != nil {
			return fmt.Errorf("tuf: targets: %s: %w", name, err)
		}
		if p, err = parseTargets(b); err == nil {
			err = p.verify(&c.root.signed, roleTargets)
		}
		if err != nil {
			return fmt.Errorf("tuf: targets: %w", err)
		}
	}
	if p.version != tm.Version {
		return fmt.Errorf("tuf: targets: version %d, snapshot lists version %d", p.version, tm.Version)
	}
	if old := c.targets; old != nil && p.version < old.version {
		return fmt.Errorf("tuf: targets: version %d is older than trusted version %d (rollback)", p.version, old.version)
	}
	if expired(p.expires, now) {
		return fmt.Errorf("tuf: targets: expired at %s", fmtTime(p.expires))
	}
	if p != c.targets {
		if err := c.persist(targetsFile, p.raw); err != nil {
			return err
		}
	}
	c.targets = p
	return nil
}
