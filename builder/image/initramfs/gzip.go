package initramfs

import (
	"compress/gzip"
	"fmt"
	"io"
)

// Gzip returns a writer that gzip-compresses what is written to it onto w, at the
// compress/gzip level (gzip.DefaultCompression, gzip.BestSpeed ... gzip.BestCompression,
// gzip.HuffmanOnly). The header is fixed: no name, no comment, no extra field, mtime 0,
// OS 255 (unknown), so the same input and level give the same bytes (with the same Go
// release: compress/flate may change its choices between releases). Close flushes the
// stream and writes the trailer; it does not close w. An invalid level makes every
// Write and Close fail.
func Gzip(w io.Writer, level int) io.WriteCloser {
	zw, err := gzip.NewWriterLevel(w, level)
	if err != nil {
		return failedWriter{fmt.Errorf("initramfs: gzip: %w", err)}
	}
	zw.Header = gzip.Header{OS: 255}
	return zw
}

type failedWriter struct{ err error }

func (f failedWriter) Write([]byte) (int, error) { return 0, f.err }
func (f failedWriter) Close() error              { return f.err }
