package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// defaultTimeout bounds a command whose request gives no timeoutMs.
const defaultTimeout = 2 * time.Minute

// maxOutput caps what is kept of a command's stdout and of its stderr.
const maxOutput = 4 << 20

// execCommand runs req.Argv with req.Stdin in its own process group, killing the
// group at the request's timeout.
func execCommand(ctx context.Context, req request) response {
	timeout := requestTimeout(req)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, req.Argv[0], req.Argv[1:]...)
	cmd.Stdin = strings.NewReader(req.Stdin)
	stdout, stderr := &capped{max: maxOutput}, &capped{max: maxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second // a background child holding the pipes open

	err := cmd.Run()
	exit, msg := 0, ""
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		exit, msg = -1, fmt.Sprintf("timed out after %v", timeout)
	case errors.As(err, &ee) && ee.Exited():
		exit = ee.ExitCode()
	case errors.As(err, &ee):
		exit, msg = -1, err.Error() // killed by a signal
	default:
		exit, msg = -1, err.Error() // could not start
	}
	if stdout.dropped > 0 || stderr.dropped > 0 {
		msg = strings.TrimPrefix(msg+fmt.Sprintf("; output truncated (%d stdout and %d stderr bytes dropped)", stdout.dropped, stderr.dropped), "; ")
	}
	return newResponse(req.ID, exit, stdout.Bytes(), stderr.Bytes(), msg)
}

// capped keeps the first max bytes written to it and counts the rest.
type capped struct {
	bytes.Buffer
	max     int
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	n := min(len(p), c.max-c.Len())
	c.Buffer.Write(p[:n])
	c.dropped += len(p) - n
	return len(p), nil
}
