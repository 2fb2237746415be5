package rebuild

import (
	"context"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
)

// ShareImage makes image h of store from readable in store to, under name: its blobs
// are hard-linked (blobs are immutable and content-addressed, so sharing inodes is
// safe), or copied where the stores are on different file systems. A rebuild gives its
// isolated store the SDK this way rather than copying hundreds of MiB.
func ShareImage(ctx context.Context, from, to *ocistore.Store, h v1.Hash, name string) error {
	if !from.Has(h) {
		return fmt.Errorf("share image %s: not in the store %s", h, from.Dir())
	}
	img, err := from.Image(h)
	if err != nil {
		return fmt.Errorf("share image %s: %w", h, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("share image %s: %w", h, err)
	}
	blobs := []v1.Hash{h, m.Config.Digest}
	for _, l := range m.Layers {
		blobs = append(blobs, l.Digest)
	}
	for _, b := range blobs {
		if !to.Has(b) {
			_ = os.Link(from.BlobPath(b), to.BlobPath(b)) // Put copies what could not be linked
		}
	}
	got, err := to.Put(ctx, name, img)
	if err != nil {
		return fmt.Errorf("share image %s: %w", h, err)
	}
	if got != h {
		return fmt.Errorf("share image %s: stored as %s", h, got)
	}
	return nil
}
