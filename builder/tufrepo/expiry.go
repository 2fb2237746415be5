package tufrepo

import (
	"fmt"
	"strings"
	"time"
)

// Expiring is a role whose metadata expires within the checked window (or has expired).
type Expiring struct {
	RoleExpiry
	Expired bool          `json:"expired"`
	Left    time.Duration `json:"left"`
}

// ExpiryError is CheckExpirations' error: the roles expiring too soon.
type ExpiryError struct {
	Dir      string
	Within   time.Duration
	Expiring []Expiring
}

func (e *ExpiryError) Error() string {
	var parts []string
	for _, x := range e.Expiring {
		if x.Expired {
			parts = append(parts, fmt.Sprintf("%s (version %d) expired %s", x.Role, x.Version, x.Expires.Format(time.RFC3339)))
		} else {
			parts = append(parts, fmt.Sprintf("%s (version %d) expires %s", x.Role, x.Version, x.Expires.Format(time.RFC3339)))
		}
	}
	return fmt.Sprintf("repo check-expirations %s: within %s: %s; fix: `kitbash repo refresh` (timestamp, snapshot, targets) or `kitbash repo rotate-root` (root)",
		e.Dir, e.Within, strings.Join(parts, ", "))
}

// CheckExpirations lists every role of the repository in dir with its expiry, and fails
// with an *ExpiryError when any expires before WithNow + WithWithin.
func CheckExpirations(dir string, opts ...Option) ([]RoleExpiry, error) {
	c, err := newConfig(opts)
	if err == nil {
		err = c.needNow()
	}
	if err != nil {
		return nil, fmt.Errorf("repo check-expirations %s: %w", dir, err)
	}
	r, err := openRepo(dir)
	if err != nil {
		return nil, fmt.Errorf("repo check-expirations %s: %w", dir, err)
	}
	all := r.expiries()
	limit := c.now.Add(c.within)
	var bad []Expiring
	for _, x := range all {
		if !x.Expires.After(limit) {
			bad = append(bad, Expiring{RoleExpiry: x, Expired: !x.Expires.After(c.now), Left: x.Expires.Sub(c.now)})
		}
	}
	if len(bad) > 0 {
		return all, &ExpiryError{Dir: dir, Within: c.within, Expiring: bad}
	}
	return all, nil
}
