package initramfs

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

func gzipBytes(t *testing.T, b []byte, level int) []byte {
	t.Helper()
	var out bytes.Buffer
	w := Gzip(&out, level)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestGzip(t *testing.T) {
	archive := writeBuild(t, testSpec(t))
	for _, level := range []int{gzip.DefaultCompression, gzip.BestSpeed, gzip.BestCompression} {
		a, b := gzipBytes(t, archive, level), gzipBytes(t, archive, level)
		if !bytes.Equal(a, b) {
			t.Fatalf("level %d: two runs differ", level)
		}
		// Fixed header: magic, deflate, no flags (no name), mtime 0, OS unknown.
		if !bytes.Equal(a[:8], []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}) || a[9] != 255 {
			t.Errorf("level %d: header % x", level, a[:10])
		}
		r, err := gzip.NewReader(bytes.NewReader(a))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, archive) {
			t.Fatalf("level %d: decodes to other bytes", level)
		}
		if r.Name != "" || !r.ModTime.IsZero() {
			t.Errorf("level %d: name %q mtime %v", level, r.Name, r.ModTime)
		}
	}
}

func TestGzipBadLevel(t *testing.T) {
	w := Gzip(io.Discard, 42)
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write: no error")
	}
	if err := w.Close(); err == nil {
		t.Error("Close: no error")
	}
}
