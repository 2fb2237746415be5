package ocistore

import (
	"context"
	"fmt"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/plugins/content/local"
)

// ContentStore opens the store's directory as a containerd content store, the
// form BuildKit's SolveOpt.OCIStores takes. containerd keeps its in-progress
// writes under DIR/ingest.
//
// The containerd store may log a harmless "failed check for fsverity support"
// warning through its global logger; it is left alone because silencing it would
// change process-wide logging state.
func (s *Store) ContentStore(ctx context.Context) (content.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open content store %s: %w", s.dir, err)
	}
	cs, err := local.NewStore(s.dir)
	if err != nil {
		return nil, fmt.Errorf("open content store %s: %w", s.dir, err)
	}
	return cs, nil
}
