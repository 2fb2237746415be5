package source

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// goEnv is the environment of the go command: the caller's WithGoEnv entries, then
// a private GOPATH, GOMODCACHE and GOCACHE under the cache dir, GOWORK=off, and
// GOFLAGS with -mod=mod -modcacherw appended (so the private module cache stays
// removable).
func (f *Fetcher) goEnv() []string {
	gopath := filepath.Join(f.cfg.cacheDir, "go")
	flags := ""
	var env []string
	for _, kv := range f.cfg.goEnv {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS":
			flags = v
			continue
		case "GOPATH", "GOMODCACHE", "GOCACHE", "GOWORK":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GOPATH="+gopath,
		"GOMODCACHE="+filepath.Join(gopath, "pkg", "mod"),
		"GOCACHE="+filepath.Join(gopath, "cache"),
		"GOWORK=off",
		"GOFLAGS="+strings.TrimSpace(flags+" -mod=mod -modcacherw"),
	)
}

// runGo runs the go command with args in dir and returns its stdout. Errors carry
// its stderr.
func (f *Fetcher) runGo(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, f.cfg.goCommand, args...)
	cmd.Dir = dir
	cmd.Env = f.goEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", f.cfg.goCommand, strings.Join(args, " "), err,
			strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
