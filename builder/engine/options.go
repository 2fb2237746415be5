// Package engine connects Kitbash to a BuildKit daemon: either one the user names
// (BUILDKIT_HOST, --buildkit-host) or a local rootful buildkitd that Kitbash starts,
// reuses across commands, restarts on a version change, and stops on request.
package engine

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// Option configures how the engine is found or started.
type Option func(*config) error

type config struct {
	host           string // external daemon address; empty means a managed local daemon
	tls            TLS
	stateDir       string
	buildkitd      string
	version        string
	startTimeout   time.Duration
	probeTimeout   time.Duration
	gcKeepBytes    int64
	log            io.Writer
	debugDaemon    bool
	extraDaemonEnv []string
}

// TLS holds client TLS material for tcp:// daemons.
type TLS struct {
	ServerName string
	CACert     string
	Cert       string
	Key        string
}

func (t TLS) set() bool { return t.CACert != "" || t.Cert != "" || t.Key != "" || t.ServerName != "" }

// WithHost selects an external BuildKit daemon (unix://, tcp://, docker-container://,
// kube-pod://, ...). Kitbash never starts or stops such a daemon.
func WithHost(addr string) Option {
	return func(c *config) error { c.host = addr; return nil }
}

// WithTLS sets client TLS files for a tcp:// host.
func WithTLS(t TLS) Option {
	return func(c *config) error { c.tls = t; return nil }
}

// WithStateDir is where a managed daemon keeps its root, socket, log and lock.
func WithStateDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return errors.New("engine state dir is empty")
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return fmt.Errorf("engine state dir %s: %w", dir, err)
		}
		c.stateDir = abs
		return nil
	}
}

// WithBuildkitd is the buildkitd binary to start for a managed daemon.
func WithBuildkitd(path string) Option {
	return func(c *config) error { c.buildkitd = path; return nil }
}

// WithVersion is the BuildKit version Kitbash is pinned to; a managed daemon of another
// version is restarted. Empty disables the check.
func WithVersion(v string) Option {
	return func(c *config) error { c.version = v; return nil }
}

// WithStartTimeout bounds how long a managed daemon may take to answer after start.
func WithStartTimeout(d time.Duration) Option {
	return func(c *config) error { c.startTimeout = d; return nil }
}

// WithProbeTimeout bounds one health probe (and the reachability check of a host).
func WithProbeTimeout(d time.Duration) Option {
	return func(c *config) error { c.probeTimeout = d; return nil }
}

// WithGCKeepBytes caps the managed daemon's build cache (its own GC policy).
func WithGCKeepBytes(n int64) Option {
	return func(c *config) error { c.gcKeepBytes = n; return nil }
}

// WithLog receives one-line notices ("starting buildkitd ...").
func WithLog(w io.Writer) Option {
	return func(c *config) error { c.log = w; return nil }
}

// WithDaemonDebug starts a managed daemon with --debug logging.
func WithDaemonDebug(on bool) Option {
	return func(c *config) error { c.debugDaemon = on; return nil }
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		buildkitd:    "buildkitd",
		startTimeout: 60 * time.Second,
		probeTimeout: 3 * time.Second,
		log:          io.Discard,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.host == "" && c.stateDir == "" {
		return nil, errors.New("engine: neither a BuildKit host nor a state dir for a local engine was given")
	}
	return c, nil
}
