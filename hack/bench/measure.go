package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/moby/buildkit/client"
)

type bench struct {
	f     flags
	state string
	raw   *exec.Cmd
	notes []string
	extra map[string]int64
}

func (b *bench) kitbash(args ...string) error {
	cmd := exec.Command(b.f.kitbash, append([]string{"--state-dir", b.state, "-C", b.f.project}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kitbash %v: %v\n%s", args, err, out)
	}
	return nil
}

func timeIt(n int, f func() error) ([]time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(t0))
	}
	return ds, nil
}

// coldStart: `kitbash engine start` from stopped, against a bare buildkitd started by
// hand with the same flags and polled until it answers.
func (b *bench) coldStart(ctx context.Context) (row, error) {
	const n = 3
	kb, err := b.timeStarts(n)
	if err != nil {
		return row{}, err
	}
	base, err := timeIt(n, func() error { return b.rawStartStop(ctx) })
	if err != nil {
		return row{}, err
	}
	return row{Name: "cold engine start", Kitbash: median(kb), BaselineName: "bare buildkitd until it answers", Baseline: median(base), Runs: n}, nil
}

func (b *bench) timeStarts(n int) ([]time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		if err := b.kitbash("engine", "stop"); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := b.kitbash("engine", "start"); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(t0))
	}
	return ds, nil
}

func (b *bench) rawStartStop(ctx context.Context) error {
	defer b.stopRaw()
	_, err := b.startRaw(ctx, filepath.Join(b.state, "raw"))
	return err
}

// startRaw starts a bare buildkitd with kitbash's flags, its root and socket in dir,
// and returns its address once it answers. stopRaw stops it.
func (b *bench) startRaw(ctx context.Context, dir string) (string, error) {
	addr := "unix://" + filepath.Join(dir, "bk.sock")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	t0 := time.Now()
	cmd := exec.Command(b.f.buildkitd, "--root", filepath.Join(dir, "root"), "--addr", addr,
		"--oci-worker=true", "--containerd-worker=false", "--oci-worker-gc=true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start bare buildkitd: %w", err)
	}
	b.raw = cmd
	for time.Since(t0) < 60*time.Second {
		if _, err := os.Stat(filepath.Join(dir, "bk.sock")); err == nil {
			cl, err := client.New(ctx, addr)
			if err == nil {
				_, err = cl.Info(ctx)
				cl.Close()
				if err == nil {
					return addr, nil
				}
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	b.stopRaw()
	return "", fmt.Errorf("bare buildkitd in %s did not answer in 60 s", dir)
}

func (b *bench) stopRaw() {
	if b.raw != nil {
		_ = b.raw.Process.Signal(syscall.SIGTERM)
		_ = b.raw.Wait()
		b.raw = nil
	}
}

func (b *bench) stopAll() {
	b.stopRaw()
	_ = b.kitbash("engine", "stop")
}

// engineStatus: warm `kitbash engine status` against `buildctl debug info`.
func (b *bench) engineStatus(context.Context) (row, error) {
	if err := b.kitbash("engine", "start"); err != nil {
		return row{}, err
	}
	kb, err := timeIt(b.f.runs, func() error { return b.kitbash("engine", "status") })
	if err != nil {
		return row{}, err
	}
	addr := "unix://" + filepath.Join(b.state, "buildkitd", "buildkitd.sock")
	base, err := timeIt(b.f.runs, func() error {
		out, err := exec.Command(b.f.buildctl, "--addr", addr, "debug", "info").CombinedOutput()
		if err != nil {
			return fmt.Errorf("buildctl debug info: %v: %s", err, out)
		}
		return nil
	})
	if err != nil {
		return row{}, err
	}
	return row{Name: "engine status (warm)", Kitbash: median(kb), BaselineName: "buildctl debug info", Baseline: median(base), Goal: goal(200), Runs: b.f.runs}, nil
}

// cacheDir is kitbash's cache directory as kitbash finds it: -cache-dir, else
// $KITBASH_CACHE_DIR, else $XDG_CACHE_HOME/kitbash, else ~/.cache/kitbash.
func (b *bench) cacheDir() (string, error) {
	if b.f.cacheDir != "" {
		return b.f.cacheDir, nil
	}
	if d := os.Getenv("KITBASH_CACHE_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "kitbash"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("kitbash's cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "kitbash"), nil
}
