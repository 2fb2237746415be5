package source

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
)

// Option configures a Fetcher.
type Option func(*config) error

type config struct {
	cacheDir  string
	lookaside string
	client    *http.Client
	goCommand string
	goEnv     []string
	aptGet    string
	epoch     int64
	log       io.Writer
}

func newConfig(opts []Option) (*config, error) {
	c := &config{client: http.DefaultClient, goCommand: "go", aptGet: "apt-get", log: io.Discard}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.cacheDir == "" {
		return nil, errors.New("source: WithCacheDir is required")
	}
	return c, nil
}

// WithCacheDir is the content-addressed cache: blobs live in DIR/sha256/<hex>. Required.
func WithCacheDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return errors.New("source: cache dir is empty")
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return fmt.Errorf("source: cache dir %q: %w", dir, err)
		}
		c.cacheDir = abs
		return nil
	}
}

// WithLookaside is a mirror tried first for url sources: GET <base>/<sha256>/<name>.
// Any failure there falls back to the upstream URL.
func WithLookaside(baseURL string) Option {
	return func(c *config) error {
		if baseURL == "" {
			return nil
		}
		if !strings.HasPrefix(baseURL, "http://") && !strings.HasPrefix(baseURL, "https://") {
			return fmt.Errorf("source: lookaside %q: only http and https are supported", baseURL)
		}
		c.lookaside = strings.TrimRight(baseURL, "/")
		return nil
	}
}

// WithHTTPClient is the client for url sources (default http.DefaultClient).
func WithHTTPClient(cl *http.Client) Option {
	return func(c *config) error {
		if cl == nil {
			return errors.New("source: http client is nil")
		}
		c.client = cl
		return nil
	}
}

// WithGoCommand is the go command for gomod sources (default "go").
func WithGoCommand(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("source: go command is empty")
		}
		c.goCommand = path
		return nil
	}
}

// WithGoEnv is the environment ("KEY=value") of the go command, e.g. PATH, HOME,
// GOPROXY, GOSUMDB, GONOSUMDB, GOFLAGS. The go command sees only these plus what the
// fetcher forces: GOPATH, GOMODCACHE and GOCACHE under the cache dir, GOWORK=off and
// -mod=mod -modcacherw added to GOFLAGS.
func WithGoEnv(env []string) Option {
	return func(c *config) error {
		for _, kv := range env {
			if !strings.Contains(kv, "=") {
				return fmt.Errorf("source: go env entry %q is not KEY=value", kv)
			}
		}
		c.goEnv = append(c.goEnv, env...)
		return nil
	}
}

// WithAptGet is the apt-get command for apt sources (default "apt-get").
func WithAptGet(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("source: apt-get command is empty")
		}
		c.aptGet = path
		return nil
	}
}

// WithSourceDateEpoch is the mtime, in seconds since 1970, of every entry in
// generated tars (gomod). Default 0.
func WithSourceDateEpoch(sec int64) Option {
	return func(c *config) error {
		if sec < 0 {
			return fmt.Errorf("source: SOURCE_DATE_EPOCH %d is negative", sec)
		}
		c.epoch = sec
		return nil
	}
}

// WithLog receives one line per fetch (default: discarded).
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			w = io.Discard
		}
		c.log = w
		return nil
	}
}
