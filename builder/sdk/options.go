package sdk

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Option configures Build.
type Option func(*config) error

type config struct {
	epoch      int64
	epochSet   bool
	cacheDir   string
	aptSources []string
	aptOptions []string
	goCommand  string
	mmdebstrap string
	workDir    string
	log        io.Writer
}

func newConfig(opts []Option) (*config, error) {
	c := &config{goCommand: "go", mmdebstrap: "mmdebstrap", log: io.Discard}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if !c.epochSet {
		return nil, errors.New("sdk: WithSourceDateEpoch is required")
	}
	if c.cacheDir == "" {
		return nil, errors.New("sdk: WithCacheDir is required")
	}
	return c, nil
}

// WithSourceDateEpoch is the time, in seconds since 1970, that every timestamp in
// the image comes from. Required.
func WithSourceDateEpoch(sec int64) Option {
	return func(c *config) error {
		if sec < 0 {
			return fmt.Errorf("sdk: SOURCE_DATE_EPOCH %d is negative", sec)
		}
		c.epoch, c.epochSet = sec, true
		return nil
	}
}

// WithCacheDir is a persistent cache kept across builds: downloaded .debs under
// debs/ and the Go toolchain module under gomod/. Required.
func WithCacheDir(dir string) Option {
	return func(c *config) error {
		abs, err := cleanPath("cache dir", dir)
		c.cacheDir = abs
		return err
	}
}

// WithAptSources are apt sources files (one-line or deb822) given to mmdebstrap
// as its mirror arguments. Without any, mmdebstrap uses its own default.
func WithAptSources(paths ...string) Option {
	return func(c *config) error {
		for _, p := range paths {
			abs, err := cleanPath("apt sources file", p)
			if err != nil {
				return err
			}
			c.aptSources = append(c.aptSources, abs)
		}
		return nil
	}
}

// WithAptOptions adds mmdebstrap --aptopt values, e.g. `Acquire::Check-Date "false"`.
func WithAptOptions(opts ...string) Option {
	return func(c *config) error {
		c.aptOptions = append(c.aptOptions, opts...)
		return nil
	}
}

// WithGoCommand is the host go command used to download the toolchain module.
func WithGoCommand(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("sdk: go command is empty")
		}
		c.goCommand = path
		return nil
	}
}

// WithMmdebstrap is the mmdebstrap executable.
func WithMmdebstrap(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("sdk: mmdebstrap path is empty")
		}
		c.mmdebstrap = path
		return nil
	}
}

// WithWorkDir is where Build makes its scratch directory (for the ~500 MB rootfs
// tar); the scratch directory is removed afterwards. Default: the cache dir.
func WithWorkDir(dir string) Option {
	return func(c *config) error {
		abs, err := cleanPath("work dir", dir)
		c.workDir = abs
		return err
	}
}

// WithLog receives the output of mmdebstrap and go and Build's progress lines.
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			w = io.Discard
		}
		c.log = w
		return nil
	}
}

// cleanPath makes p absolute. Paths end up inside mmdebstrap hook commands, so
// whitespace and quotes are refused.
func cleanPath(what, p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("sdk: %s is empty", what)
	}
	if strings.ContainsAny(p, " \t\n'\"\\") {
		return "", fmt.Errorf("sdk: %s %q must not contain whitespace, quotes or backslashes", what, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("sdk: %s %s: %w", what, p, err)
	}
	return abs, nil
}
