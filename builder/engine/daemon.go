package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/buildkit/client"
)

// observe probes the managed daemon without changing anything.
func observe(ctx context.Context, c *config, p daemonPaths) (observed, *client.Client) {
	var o observed
	if _, err := os.Stat(p.socket); err == nil {
		o.socketExists = true
	}
	o.pidAlive = isBuildkitd(readPID(p.pid))
	if b, err := os.ReadFile(p.config); err != nil || string(b) != argsFingerprint(baseArgs(p)) {
		o.configStale = true // started by another kitbash with other settings
	}
	if !o.socketExists {
		return o, nil
	}
	cl, info, err := dial(ctx, p.address(), nil, c.probeTimeout)
	if err != nil {
		return o, nil
	}
	o.reachable, o.version = true, info.BuildkitVersion.Version
	return o, cl
}

// dial connects and proves the daemon answers with one Info call.
func dial(ctx context.Context, addr string, extra []client.ClientOpt, timeout time.Duration) (*client.Client, *client.Info, error) {
	cl, err := client.New(ctx, addr, extra...)
	if err != nil {
		return nil, nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	info, err := cl.Info(pctx)
	if err != nil {
		cl.Close()
		return nil, nil, err
	}
	return cl, info, nil
}

// startDaemon launches buildkitd detached (own session, output to its log file), records
// its pid and waits until it answers. On failure it stops what it started and returns an
// error carrying the tail of the log and what to try.
func startDaemon(ctx context.Context, c *config, p daemonPaths) (*client.Client, *client.Info, error) {
	bin, err := exec.LookPath(c.buildkitd)
	if err == nil {
		bin, err = filepath.Abs(bin) // it starts in its own directory
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find buildkitd %q: %w; fix: run `make tools` (it builds buildkitd into .tools/bin), or pass --buildkitd PATH, or point --buildkit-host at a running daemon", c.buildkitd, err)
	}
	if err := os.MkdirAll(p.root, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create engine root %s: %w", p.root, err)
	}
	logf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open engine log %s: %w", p.log, err)
	}
	defer logf.Close()
	args := daemonArgs(c, p)
	if err := writeFileAtomic(p.config, []byte(argsFingerprint(baseArgs(p)))); err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = p.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // reaps it if it dies while this process lives
	if err := writeFileAtomic(p.pid, []byte(strconv.Itoa(cmd.Process.Pid)+"\n")); err != nil {
		_ = cmd.Process.Kill()
		return nil, nil, err
	}
	fmt.Fprintf(c.log, "engine: started buildkitd %s (pid %d, root %s)\n", c.version, cmd.Process.Pid, p.root)

	deadline := time.Now().Add(c.startTimeout)
	for {
		if _, err := os.Stat(p.socket); err == nil {
			if cl, info, err := dial(ctx, p.address(), nil, c.probeTimeout); err == nil {
				// BuildKit bind-mounts its trace socket into every build step when the
				// file exists; without the file no host path reaches the sandbox.
				if err := os.Remove(p.otel); err != nil && !errors.Is(err, os.ErrNotExist) {
					cl.Close()
					stopStarted(cmd.Process, exited)
					return nil, nil, fmt.Errorf("remove engine trace socket %s: %w", p.otel, err)
				}
				return cl, info, nil
			}
		}
		select {
		case err := <-exited:
			return nil, nil, startFailure(p, fmt.Errorf("buildkitd exited during start: %v", err))
		case <-ctx.Done():
			stopStarted(cmd.Process, exited)
			return nil, nil, ctx.Err()
		case <-time.After(30 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stopStarted(cmd.Process, exited)
			return nil, nil, startFailure(p, fmt.Errorf("buildkitd did not answer on %s within %s", p.socket, c.startTimeout))
		}
	}
}

// baseArgs are the arguments that define the daemon; a running daemon started with others
// (an older kitbash) is restarted. Tunables (GC cap, --debug) apply at the next start.
func baseArgs(p daemonPaths) []string {
	return []string{
		"--root", p.root,
		"--addr", p.address(),
		"--oci-worker=true",
		"--containerd-worker=false",
		"--oci-worker-gc=true",
		"--otel-socket-path", p.otel,
	}
}

// daemonArgs are the buildkitd arguments for this configuration.
func daemonArgs(c *config, p daemonPaths) []string {
	args := baseArgs(p)
	if c.gcKeepBytes > 0 {
		args = append(args, "--oci-worker-gc-keepstorage", strconv.FormatInt(c.gcKeepBytes/1e6, 10))
	}
	if c.debugDaemon {
		args = append(args, "--debug")
	}
	return args
}

func argsFingerprint(args []string) string { return strings.Join(args, "\n") + "\n" }

// stopStarted ends a daemon this process started and that never became ready.
func stopStarted(p *os.Process, exited <-chan error) {
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = p.Kill()
		<-exited
	}
}

func startFailure(p daemonPaths, cause error) error {
	msg := fmt.Sprintf("start engine: %v\n--- last lines of %s ---\n%s\n---\n"+
		"fix: buildkitd needs root and runc on PATH (`make tools` installs runc); see the full log above; "+
		"or use an existing daemon with --buildkit-host / BUILDKIT_HOST", cause, p.log, tail(p.log, 20))
	return errors.New(msg)
}

// stopDaemon stops the managed daemon (if any) and removes its socket and pid file.
func stopDaemon(p daemonPaths) (bool, error) {
	pid := readPID(p.pid)
	was := isBuildkitd(pid)
	if err := terminate(pid, 15*time.Second); err != nil {
		return was, err
	}
	for _, f := range []string{p.socket, p.pid} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return was, fmt.Errorf("remove %s: %w", f, err)
		}
	}
	return was, nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
