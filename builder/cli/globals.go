package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/kitbash-dev/kitbash/builder/engine"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/solve"
)

// Env is how the CLI sees the process environment; tests pass a map.
type Env func(string) string

// globals are the flags every verb shares. Environment variables are mapped here, once,
// into defaults; library packages get plain options.
type globals struct {
	env          Env
	stdout       io.Writer
	stderr       io.Writer
	projectDir   string
	stateDir     string
	cacheDir     string
	buildkitHost string
	tls          engine.TLS
	buildkitd    string
	progress     string
	output       string
	debug        bool
	startTimeout time.Duration
}

func newGlobals(env Env, stdout, stderr io.Writer) *globals {
	return &globals{env: env, stdout: stdout, stderr: stderr}
}

// defaults fills values not given as flags from the environment and XDG conventions.
func (g *globals) defaults() error {
	if g.buildkitHost == "" {
		g.buildkitHost = g.env("BUILDKIT_HOST")
	}
	home := g.env("HOME")
	if g.stateDir == "" {
		g.stateDir = firstNonEmpty(g.env("KITBASH_STATE_DIR"), xdg(g.env("XDG_STATE_HOME"), home, ".local/state"))
	}
	if g.cacheDir == "" {
		g.cacheDir = firstNonEmpty(g.env("KITBASH_CACHE_DIR"), xdg(g.env("XDG_CACHE_HOME"), home, ".cache"))
	}
	if g.stateDir == "" || g.cacheDir == "" {
		return fmt.Errorf("cannot place kitbash state: HOME is not set; fix: set HOME, or pass --state-dir and --cache-dir")
	}
	if g.buildkitd == "" {
		g.buildkitd = g.env("KITBASH_BUILDKITD")
	}
	if _, err := solve.ParseProgress(g.progress); err != nil {
		return fmt.Errorf("--progress: %w", err)
	}
	switch g.output {
	case "text", "json":
	default:
		return fmt.Errorf("--output %q: fix: use text or json", g.output)
	}
	return nil
}

func xdg(base, home, fallback string) string {
	if base == "" {
		if home == "" {
			return ""
		}
		base = filepath.Join(home, fallback)
	}
	return filepath.Join(base, "kitbash")
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// pinnedBuildkit is the BuildKit version this binary was built against (go.mod).
func pinnedBuildkit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/moby/buildkit" {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// buildkitdPath finds the buildkitd to start: flag/env, then the project's tool dir, then
// next to this executable, then PATH.
func (g *globals) buildkitdPath() string {
	if g.buildkitd != "" {
		return g.buildkitd
	}
	var candidates []string
	if dir, err := project.Find(g.projectDirOrCwd()); err == nil {
		candidates = append(candidates, filepath.Join(dir, ".tools", "bin", "buildkitd"))
	}
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(exe), "buildkitd"))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	return "buildkitd"
}

func (g *globals) projectDirOrCwd() string {
	if g.projectDir != "" {
		return g.projectDir
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// engineOptions maps the globals to engine options.
func (g *globals) engineOptions(extra ...engine.Option) []engine.Option {
	opts := []engine.Option{
		engine.WithVersion(pinnedBuildkit()),
		engine.WithLog(g.stderr),
		engine.WithDaemonDebug(g.debug),
	}
	if g.startTimeout > 0 {
		opts = append(opts, engine.WithStartTimeout(g.startTimeout))
	}
	if g.buildkitHost != "" {
		opts = append(opts, engine.WithHost(g.buildkitHost), engine.WithTLS(g.tls))
	} else {
		opts = append(opts, engine.WithStateDir(g.stateDir), engine.WithBuildkitd(g.buildkitdPath()))
	}
	return append(opts, extra...)
}

// engine connects to (or starts) the engine.
func (g *globals) engine(ctx context.Context, extra ...engine.Option) (*engine.Engine, error) {
	return engine.Ensure(ctx, g.engineOptions(extra...)...)
}

// project loads the project around the working directory (or --project).
func (g *globals) project() (*project.Loaded, error) {
	dir, err := project.Find(g.projectDirOrCwd())
	if err != nil {
		return nil, err
	}
	return project.Load(dir)
}

// store opens the local OCI layout store.
func (g *globals) store() (*ocistore.Store, error) {
	return ocistore.Open(filepath.Join(g.cacheDir, "oci"))
}

func (g *globals) progressMode() solve.Progress {
	p, _ := solve.ParseProgress(g.progress)
	return p
}
