package updater

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// Repository is the TUF repository: the updater's only way to its targets. The real
// one wraps agents/internal/tufclient; tests use a fake.
type Repository interface {
	// Refresh updates the trusted metadata (root, timestamp, snapshot, targets).
	Refresh(ctx context.Context) error
	// TargetLength returns the length of a target the trusted targets metadata lists;
	// an error when it lists no such target.
	TargetLength(name string) (int64, error)
	// Download writes the target to w as it arrives and returns nil only when all of
	// it arrived and its length and hashes match the trusted metadata. Bytes written
	// before an error must not be trusted: the updater discards what it made of them.
	Download(ctx context.Context, name string, w io.Writer) error
}

// maxManifestSize bounds manifest.json in memory.
const maxManifestSize = 16 << 20

// fetchManifest downloads and parses manifest.json.
func fetchManifest(ctx context.Context, r Repository) (*Manifest, error) {
	n, err := r.TargetLength(ManifestName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if n > maxManifestSize {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", ManifestName, n, maxManifestSize)
	}
	var b bytes.Buffer
	if err := r.Download(ctx, ManifestName, &limitedBuffer{b: &b, max: maxManifestSize}); err != nil {
		return nil, fmt.Errorf("download %s: %w", ManifestName, err)
	}
	return ParseManifest(b.Bytes())
}

type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.b.Len()+len(p) > l.max {
		return 0, fmt.Errorf("more than %d bytes", l.max)
	}
	return l.b.Write(p)
}
