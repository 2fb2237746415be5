package tufrepo

import (
	"fmt"
	"time"
)

// Refreshed reports the versions and expiry dates after Refresh.
type Refreshed struct {
	Roles []RoleExpiry `json:"roles"`
}

// Refresh re-signs snapshot and timestamp (and targets with WithRefreshTargets) as new
// versions expiring by the policy from WithNow. Targets and manifest stay as they are.
func Refresh(dir string, keys *Keys, opts ...Option) (*Refreshed, error) {
	c, err := newConfig(opts)
	if err == nil {
		err = c.needNow()
	}
	if err != nil {
		return nil, fmt.Errorf("repo refresh %s: %w", dir, err)
	}
	r, err := openRepo(dir)
	if err != nil {
		return nil, fmt.Errorf("repo refresh %s: %w", dir, err)
	}
	if err := r.publish(keys, c.now, c.policy, c.refreshAll); err != nil {
		return nil, fmt.Errorf("repo refresh %s: %w", dir, err)
	}
	c.logf("refreshed %s: snapshot %d, timestamp %d", dir, r.snapshot.Signed.Version, r.timestamp.Signed.Version)
	return &Refreshed{Roles: r.expiries()}, nil
}

// RoleExpiry is one role's current version and expiry.
type RoleExpiry struct {
	Role    string    `json:"role"`
	Version int64     `json:"version"`
	Expires time.Time `json:"expires"`
}

func (r *repo) expiries() []RoleExpiry {
	return []RoleExpiry{
		{"root", r.root.Signed.Version, r.root.Signed.Expires},
		{"targets", r.targets.Signed.Version, r.targets.Signed.Expires},
		{"snapshot", r.snapshot.Signed.Version, r.snapshot.Signed.Expires},
		{"timestamp", r.timestamp.Signed.Version, r.timestamp.Signed.Expires},
	}
}
