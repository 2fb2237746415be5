package engine

import (
	"context"
	"fmt"
	"os"

	"github.com/moby/buildkit/client"
	// Connection helpers for docker-container:// and kube-pod:// hosts register themselves.
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
	_ "github.com/moby/buildkit/client/connhelper/kubepod"
)

// Engine is a connected BuildKit daemon.
type Engine struct {
	Client  *client.Client
	Address string
	Managed bool   // started and owned by Kitbash (as opposed to a user-given host)
	Version string // as the daemon reports it
	Action  string // what Ensure did: "connect", "reuse", "start", "restart"
}

// Close releases the client connection; the daemon keeps running.
func (e *Engine) Close() error { return e.Client.Close() }

// Ensure returns a connected engine, starting or restarting the managed daemon as needed.
func Ensure(ctx context.Context, opts ...Option) (*Engine, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if c.host != "" {
		return connectHost(ctx, c)
	}
	p, err := pathsFor(c.stateDir)
	if err != nil {
		return nil, err
	}
	// Fast path without the lock: a healthy daemon of the right version.
	if o, cl := observe(ctx, c, p); cl != nil {
		if a, _ := decide(o, c.version); a == actReuse {
			return &Engine{Client: cl, Address: p.address(), Managed: true, Version: o.version, Action: "reuse"}, nil
		}
		cl.Close()
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create engine dir %s: %w", p.dir, err)
	}
	lock, err := acquireLock(ctx, p.lock)
	if err != nil {
		return nil, err
	}
	defer lock.release()

	// Decide again under the lock: another kitbash may have started it meanwhile.
	o, cl := observe(ctx, c, p)
	a, clean := decide(o, c.version)
	switch a {
	case actReuse:
		return &Engine{Client: cl, Address: p.address(), Managed: true, Version: o.version, Action: "reuse"}, nil
	case actRestart:
		if cl != nil {
			cl.Close()
		}
		why := fmt.Sprintf("running %q, want %q", o.version, c.version)
		if o.configStale {
			why = "its settings changed"
		}
		fmt.Fprintf(c.log, "engine: restarting buildkitd (%s)\n", why)
		if _, err := stopDaemon(p); err != nil {
			return nil, fmt.Errorf("restart engine: %w", err)
		}
	case actStart:
		if clean {
			fmt.Fprintf(c.log, "engine: removing stale socket %s\n", p.socket)
			if _, err := stopDaemon(p); err != nil {
				return nil, fmt.Errorf("clean stale engine files: %w", err)
			}
		}
	}
	cl, info, err := startDaemon(ctx, c, p)
	if err != nil {
		return nil, err
	}
	got := info.BuildkitVersion.Version
	if c.version != "" && got != c.version {
		cl.Close()
		return nil, fmt.Errorf("engine: started %s but it reports version %q, want %q; fix: run `make tools` to rebuild buildkitd at the pinned version", c.buildkitd, got, c.version)
	}
	return &Engine{Client: cl, Address: p.address(), Managed: true, Version: got, Action: a.String()}, nil
}

// connectHost connects to a user-given daemon and proves it answers.
func connectHost(ctx context.Context, c *config) (*Engine, error) {
	var copts []client.ClientOpt
	if c.tls.set() {
		copts = append(copts, client.WithServerConfig(c.tls.ServerName, c.tls.CACert))
		if c.tls.Cert != "" || c.tls.Key != "" {
			copts = append(copts, client.WithCredentials(c.tls.Cert, c.tls.Key))
		}
	}
	cl, info, err := dial(ctx, c.host, copts, c.probeTimeout)
	if err != nil {
		return nil, fmt.Errorf("connect to BuildKit at %s: %w; fix: check that buildkitd runs there (and the TLS flags for tcp://), or unset BUILDKIT_HOST/--buildkit-host to let kitbash start a local engine", c.host, err)
	}
	return &Engine{Client: cl, Address: c.host, Version: info.BuildkitVersion.Version, Action: "connect"}, nil
}

// Stop stops the managed daemon. It reports whether one was running. A user-given host
// is never stopped.
func Stop(ctx context.Context, opts ...Option) (bool, error) {
	c, err := newConfig(opts)
	if err != nil {
		return false, err
	}
	if c.host != "" {
		return false, fmt.Errorf("engine stop: %s was given with --buildkit-host/BUILDKIT_HOST; kitbash only stops the engine it started", c.host)
	}
	p, err := pathsFor(c.stateDir)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return false, fmt.Errorf("create engine dir %s: %w", p.dir, err)
	}
	lock, err := acquireLock(ctx, p.lock)
	if err != nil {
		return false, err
	}
	defer lock.release()
	return stopDaemon(p)
}
