package engine

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/client"
)

// Status describes the engine without starting it.
type Status struct {
	Mode       string `json:"mode"` // "managed" or "external"
	Address    string `json:"address"`
	Running    bool   `json:"running"`
	Version    string `json:"version,omitempty"`
	Revision   string `json:"revision,omitempty"`
	Pinned     string `json:"pinned,omitempty"`
	PID        int    `json:"pid,omitempty"`
	Root       string `json:"root,omitempty"`
	Log        string `json:"log,omitempty"`
	CacheBytes int64  `json:"cacheBytes"`
	CacheItems int    `json:"cacheItems"`
	Workers    int    `json:"workers"`
}

// GetStatus probes the engine; a stopped managed engine is reported, not started.
func GetStatus(ctx context.Context, opts ...Option) (Status, error) {
	c, err := newConfig(opts)
	if err != nil {
		return Status{}, err
	}
	st := Status{Pinned: c.version}
	var cl *client.Client
	if c.host != "" {
		st.Mode, st.Address = "external", c.host
		e, err := connectHost(ctx, c)
		if err != nil {
			return st, err
		}
		cl = e.Client
	} else {
		p, err := pathsFor(c.stateDir)
		if err != nil {
			return st, err
		}
		st.Mode, st.Address, st.Root, st.Log = "managed", p.address(), p.root, p.log
		o, ocl := observe(ctx, c, p)
		if ocl == nil {
			return st, nil
		}
		st.PID = readPID(p.pid)
		_ = o
		cl = ocl
	}
	defer cl.Close()
	return fillStatus(ctx, cl, st)
}

func fillStatus(ctx context.Context, cl *client.Client, st Status) (Status, error) {
	info, err := cl.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("engine info: %w", err)
	}
	st.Running = true
	st.Version, st.Revision = info.BuildkitVersion.Version, info.BuildkitVersion.Revision
	workers, err := cl.ListWorkers(ctx)
	if err != nil {
		return st, fmt.Errorf("engine workers: %w", err)
	}
	st.Workers = len(workers)
	du, err := cl.DiskUsage(ctx)
	if err != nil {
		return st, fmt.Errorf("engine disk usage: %w", err)
	}
	for _, r := range du {
		if !r.Shared {
			st.CacheBytes += r.Size
		}
		st.CacheItems++
	}
	return st, nil
}
