package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/kitbash-dev/kitbash/agents/internal/tufclient"
	"github.com/kitbash-dev/kitbash/agents/internal/updater"
)

// Where the image keeps the update repository's trusted root (variant.yaml
// updates.root) and where the verified metadata is cached (PRIVATE).
const (
	trustedRootPath = "/usr/share/kitbash/updates/root.json"
	metadataCache   = "/.private/updates/metadata"
)

// tufRepository is updater.Repository over the standard-library TUF client.
type tufRepository struct{ c *tufclient.Client }

// newRepository returns the TUF repository of c (metadataUrl, targetsUrl), trusting the
// root baked into the image and caching metadata on PRIVATE.
func newRepository(c updater.Config) (updater.Repository, error) {
	root, err := os.ReadFile(trustedRootPath)
	if err != nil {
		return nil, fmt.Errorf("the image's trusted update root: %w (the variant has no updates.root)", err)
	}
	if err := os.MkdirAll(metadataCache, 0o700); err != nil {
		return nil, fmt.Errorf("metadata cache: %w", err)
	}
	logger := log.New(os.Stderr, "updater: tuf: ", 0)
	cl, err := tufclient.New(root, c.MetadataURL, c.TargetsURL, tufclient.WithCacheDir(metadataCache),
		tufclient.WithLogf(logger.Printf))
	if err != nil {
		return nil, err
	}
	return &tufRepository{c: cl}, nil
}

func (r *tufRepository) Refresh(ctx context.Context) error { return r.c.Refresh(ctx) }

func (r *tufRepository) TargetLength(name string) (int64, error) {
	t, err := r.c.Target(name)
	if err != nil {
		return 0, err
	}
	return t.Length, nil
}

// Download streams the target to w; the TUF client checks its length and hashes and
// stops at the first failed write or when ctx ends.
func (r *tufRepository) Download(ctx context.Context, name string, w io.Writer) error {
	return r.c.Download(ctx, name, w)
}
