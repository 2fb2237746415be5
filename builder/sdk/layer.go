package sdk

import (
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fileLayer is an uncompressed tar layer backed by a file: its blob is the tar
// itself, so digest and diffID are the same hash. (ggcr's tarball.LayerFromFile
// always gzips the blob, whatever media type it is told.)
type fileLayer struct {
	path string
	hash v1.Hash
	size int64
}

var _ v1.Layer = (*fileLayer)(nil)

// newFileLayer hashes the tar at path. The file must not change afterwards.
func newFileLayer(path string) (*fileLayer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open layer %s: %w", path, err)
	}
	defer f.Close()
	h, n, err := v1.SHA256(f)
	if err != nil {
		return nil, fmt.Errorf("hash layer %s: %w", path, err)
	}
	return &fileLayer{path: path, hash: h, size: n}, nil
}

func (l *fileLayer) Digest() (v1.Hash, error)            { return l.hash, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)            { return l.hash, nil }
func (l *fileLayer) Size() (int64, error)                { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error) { return types.OCIUncompressedLayer, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)  { return l.Uncompressed() }

func (l *fileLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("open layer %s: %w", l.path, err)
	}
	return f, nil
}
