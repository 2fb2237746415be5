package rebuild

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kitbash-dev/kitbash/builder/kitsrc"
)

// Run rebuilds the kit ref names (REPO:TAG or REPO@DIGEST) from the sources attached
// to it with build, and compares. A rebuild that differs is not an error: the Report
// says so (Match false) and names the packages. Errors are for what stops the
// comparison: no such kit, a bad signature, no sources, a failed build.
func Run(ctx context.Context, ref name.Reference, build Build, opts ...Option) (Report, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Report{}, err
	}
	if build == nil {
		return Report{}, errors.New("rebuild: no Build function")
	}
	p, err := fetchPublished(ctx, ref, cfg)
	if err != nil {
		return Report{}, err
	}
	created, err := time.Parse(time.RFC3339, p.kit.Config.Created)
	if err != nil {
		return Report{}, fmt.Errorf("kit %s: created time %q is not RFC 3339: %w", p.ref, p.kit.Config.Created, err)
	}
	work, cleanup, err := workDir(cfg)
	if err != nil {
		return Report{}, err
	}
	defer cleanup()
	src := filepath.Join(work, "src")
	if err := kitsrc.Unpack(p.sources, src); err != nil {
		return Report{}, fmt.Errorf("kit %s: sources %s: %w", p.ref, p.sourcesDigest, err)
	}
	fmt.Fprintf(cfg.log, "rebuilding kit %s %s (%s) from sources %s in %s\n", p.kit.Config.Name, p.kit.Config.Version, p.ref.DigestStr(), p.sourcesDigest, work)
	built, err := build(ctx, BuildInput{WorkDir: work, Project: src, Kit: p.kit.Config, Epoch: created.Unix()})
	if err != nil {
		return Report{}, fmt.Errorf("rebuild %s from its sources: %w", p.ref, err)
	}
	r := compare(p, built)
	r.Ref = ref.String()
	if cfg.workDir != "" {
		r.WorkDir = work
	}
	return r, nil
}

// workDir is the kept folder WithWorkDir names (new or empty), or a temporary one that
// cleanup removes.
func workDir(cfg *config) (string, func(), error) {
	if cfg.workDir != "" {
		abs, err := filepath.Abs(cfg.workDir)
		if err != nil {
			return "", nil, fmt.Errorf("work folder: %w", err)
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return "", nil, fmt.Errorf("work folder: %w", err)
		}
		if ents, err := os.ReadDir(abs); err != nil || len(ents) > 0 {
			return "", nil, fmt.Errorf("work folder %s is not empty (or not readable: %v); fix: name a new or empty folder", abs, err)
		}
		return abs, func() {}, nil
	}
	if err := os.MkdirAll(cfg.tempDir, 0o755); err != nil {
		return "", nil, fmt.Errorf("rebuild: %w", err)
	}
	dir, err := os.MkdirTemp(cfg.tempDir, "rebuild-")
	if err != nil {
		return "", nil, fmt.Errorf("rebuild: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, fmt.Errorf("rebuild: %w", err)
	}
	return abs, func() { removeAll(abs) }, nil
}

// removeAll removes dir even where the sources made a folder read-only.
func removeAll(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	_ = os.RemoveAll(dir)
}
