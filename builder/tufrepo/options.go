package tufrepo

import (
	"fmt"
	"io"
	"time"
)

// Option configures an operation of this package.
type Option func(*config) error

type config struct {
	now          time.Time
	policy       ExpiryPolicy
	imageDir     string
	maxVersion   string
	wavePolicy   string
	releaseStart time.Time
	threshold    int
	rootKeys     int
	within       time.Duration
	refreshAll   bool
	log          io.Writer
}

func newConfig(opts []Option) (*config, error) {
	c := &config{policy: DefaultExpiryPolicy(), wavePolicy: "default", threshold: 1, log: io.Discard}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// needNow fails when an operation that computes expiry dates got no time.
func (c *config) needNow() error {
	if c.now.IsZero() {
		return fmt.Errorf("no time given; fix: pass tufrepo.WithNow")
	}
	if c.releaseStart.IsZero() {
		c.releaseStart = c.now
	}
	return nil
}

// WithNow is the time expiry dates are computed from (and the default release start).
func WithNow(t time.Time) Option {
	return func(c *config) error {
		c.now = t.UTC().Truncate(time.Second)
		return nil
	}
}

// WithExpiryPolicy sets how long each role's metadata stays valid.
func WithExpiryPolicy(p ExpiryPolicy) Option {
	return func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.policy = p
		return nil
	}
}

// WithImageDir is where Add finds image.json and the update images.
func WithImageDir(dir string) Option {
	return func(c *config) error { c.imageDir = dir; return nil }
}

// WithMaxVersion sets max_version on every update of the variant and arch Add publishes
// (default: the highest version published).
func WithMaxVersion(v string) Option {
	return func(c *config) error {
		if v != "" {
			if _, err := parseVersion(v); err != nil {
				return fmt.Errorf("max version: %w", err)
			}
		}
		c.maxVersion = v
		return nil
	}
}

// WithWavePolicy names the rollout schedule of an added version: default, accelerated
// or slow-roll.
func WithWavePolicy(name string) Option {
	return func(c *config) error {
		if _, err := WavePolicyNamed(name); err != nil {
			return err
		}
		c.wavePolicy = name
		return nil
	}
}

// WithReleaseStart is when the first wave's clock starts (default: the WithNow time).
func WithReleaseStart(t time.Time) Option {
	return func(c *config) error {
		c.releaseStart = t.UTC().Truncate(time.Second)
		return nil
	}
}

// WithRootThreshold sets how many root keys must sign root (GenerateKeys); n root keys
// are made unless WithRootKeys asks for more.
func WithRootThreshold(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("root threshold %d: fix: use 1 or more", n)
		}
		c.threshold = n
		return nil
	}
}

// WithRootKeys sets how many root keys GenerateKeys makes (at least the threshold).
func WithRootKeys(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("root keys %d: fix: use 1 or more", n)
		}
		c.rootKeys = n
		return nil
	}
}

// WithWithin is the window CheckExpirations warns about.
func WithWithin(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("window %s: fix: use a positive duration", d)
		}
		c.within = d
		return nil
	}
}

// WithRefreshTargets makes Refresh re-sign targets too (new version, new expiry).
func WithRefreshTargets(on bool) Option {
	return func(c *config) error { c.refreshAll = on; return nil }
}

// WithLog receives one line per step (default: discarded).
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w != nil {
			c.log = w
		}
		return nil
	}
}

func (c *config) logf(format string, args ...any) {
	fmt.Fprintf(c.log, format+"\n", args...)
}
