package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/buildkit/client"
	"golang.org/x/sync/errgroup"
)

// PruneResult says what a prune removed.
type PruneResult struct {
	Records    int   `json:"records"`
	Reclaimed  int64 `json:"reclaimedBytes"`
	CacheAfter int64 `json:"cacheBytesAfter"`
}

// Prune runs BuildKit's cache GC: records unused for keep are removed, then more until the
// cache is under maxBytes. all removes every unused record.
func (e *Engine) Prune(ctx context.Context, keep time.Duration, maxBytes int64, all bool) (PruneResult, error) {
	var res PruneResult
	ch := make(chan client.UsageInfo)
	var opts []client.PruneOption
	if all {
		opts = append(opts, client.PruneAll)
	} else {
		opts = append(opts, client.WithKeepOpt(keep, 0, maxBytes, 0))
	}
	eg, gctx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		defer close(ch)
		return e.Client.Prune(gctx, ch, opts...)
	})
	eg.Go(func() error {
		for u := range ch {
			res.Records++
			res.Reclaimed += u.Size
		}
		return nil
	})
	if err := eg.Wait(); err != nil {
		return res, fmt.Errorf("prune engine cache: %w", err)
	}
	st, err := fillStatus(ctx, e.Client, Status{})
	if err != nil {
		return res, err
	}
	res.CacheAfter = st.CacheBytes
	return res, nil
}
