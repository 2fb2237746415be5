package tufclient

import (
	"fmt"
	"time"
)

// Limits are the most bytes fetched for each metadata file whose length no trusted
// metadata states. Timestamp lists the snapshot's length, and snapshot the targets'
// length, in repositories made by kitbash; those lengths win when present.
type Limits struct {
	Root      int64
	Timestamp int64
	Snapshot  int64
	Targets   int64
}

// DefaultLimits are go-tuf's defaults.
func DefaultLimits() Limits {
	return Limits{Root: 512000, Timestamp: 16384, Snapshot: 2000000, Targets: 2000000}
}

// DefaultMaxRootRotations bounds the N+1.root.json walk of one Refresh, as go-tuf does.
const DefaultMaxRootRotations = 32

// Option configures a Client.
type Option func(*config) error

type config struct {
	cacheDir         string
	fetcher          Fetcher
	clock            func() time.Time
	limits           Limits
	maxRootRotations int
	logf             func(format string, args ...any)
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		fetcher:          &HTTPFetcher{},
		clock:            time.Now,
		limits:           DefaultLimits(),
		maxRootRotations: DefaultMaxRootRotations,
		logf:             func(string, ...any) {},
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithCacheDir keeps trusted metadata in dir (created mode 0700 when first written):
// it is loaded by New and written by Refresh, so rollback protection and unchanged
// metadata survive restarts. Without it the client keeps metadata in memory only.
func WithCacheDir(dir string) Option {
	return func(c *config) error { c.cacheDir = dir; return nil }
}

// WithFetcher replaces the HTTP fetcher (default: HTTPFetcher with http.DefaultClient).
func WithFetcher(f Fetcher) Option {
	return func(c *config) error {
		if f == nil {
			return fmt.Errorf("nil fetcher")
		}
		c.fetcher = f
		return nil
	}
}

// WithClock sets where Refresh reads the time expiry is checked against (default
// time.Now). It is read once per Refresh.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("nil clock")
		}
		c.clock = now
		return nil
	}
}

// WithLimits sets the metadata size limits (default DefaultLimits).
func WithLimits(l Limits) Option {
	return func(c *config) error {
		if l.Root < 1 || l.Timestamp < 1 || l.Snapshot < 1 || l.Targets < 1 {
			return fmt.Errorf("limits %+v: every limit must be 1 or more", l)
		}
		c.limits = l
		return nil
	}
}

// WithMaxRootRotations bounds how many new root versions one Refresh walks.
func WithMaxRootRotations(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max root rotations %d: want 1 or more", n)
		}
		c.maxRootRotations = n
		return nil
	}
}

// WithLogf receives one line for each thing the client notes without failing, such as
// cached metadata it discards (default: dropped).
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *config) error {
		if logf != nil {
			c.logf = logf
		}
		return nil
	}
}
