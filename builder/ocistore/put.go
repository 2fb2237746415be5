package ocistore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Put writes img's blobs that the store does not have yet, then records img in
// index.json under name, replacing an older entry of that name. Every blob is
// verified against its digest before it becomes visible. It returns the manifest
// digest.
func (s *Store) Put(ctx context.Context, name string, img v1.Image) (v1.Hash, error) {
	if name == "" {
		return v1.Hash{}, fmt.Errorf("put image in OCI store %s: name is empty", s.dir)
	}
	desc, err := s.writeImage(ctx, img)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("put image %q in OCI store %s: %w", name, s.dir, err)
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return v1.Hash{}, err
	}
	defer unlock()
	if err := s.setRef(name, desc); err != nil {
		return v1.Hash{}, fmt.Errorf("put image %q: %w", name, err)
	}
	return desc.Digest, nil
}

// writeImage writes layers, then config, then manifest, so a manifest in the
// store always has all its blobs.
func (s *Store) writeImage(ctx context.Context, img v1.Image) (v1.Descriptor, error) {
	layers, err := img.Layers()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("list layers: %w", err)
	}
	for i, l := range layers {
		h, err := l.Digest()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("layer %d digest: %w", i, err)
		}
		if err := s.writeBlob(ctx, h, l.Compressed); err != nil {
			return v1.Descriptor{}, fmt.Errorf("layer %d: %w", i, err)
		}
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("config digest: %w", err)
	}
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("read config: %w", err)
	}
	if err := s.writeBlob(ctx, cfgName, bytesOpener(rawCfg)); err != nil {
		return v1.Descriptor{}, fmt.Errorf("config: %w", err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("read manifest: %w", err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("manifest media type: %w", err)
	}
	h, size, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("hash manifest: %w", err)
	}
	if err := s.writeBlob(ctx, h, bytesOpener(raw)); err != nil {
		return v1.Descriptor{}, fmt.Errorf("manifest: %w", err)
	}
	return v1.Descriptor{MediaType: mt, Size: size, Digest: h}, nil
}

func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// writeBlob stores the content open returns as blob h unless it exists. The
// content is streamed to a temporary file, checked against h and renamed.
func (s *Store) writeBlob(ctx context.Context, h v1.Hash, open func() (io.ReadCloser, error)) error {
	if h.Algorithm != "sha256" || !validHex(h.Hex) {
		return fmt.Errorf("unsupported blob digest %q", h)
	}
	if s.Has(h) {
		return nil
	}
	rc, err := open()
	if err != nil {
		return fmt.Errorf("open blob %s: %w", h, err)
	}
	defer rc.Close()
	return writeAtomic(s.tmpDir(), s.blobPath(h), func(w io.Writer) error {
		sum := sha256.New()
		if _, err := io.Copy(io.MultiWriter(w, sum), ctxReader{ctx, rc}); err != nil {
			return fmt.Errorf("copy blob %s: %w", h, err)
		}
		if got := hex.EncodeToString(sum.Sum(nil)); got != h.Hex {
			return fmt.Errorf("blob %s has digest sha256:%s", h, got)
		}
		return nil
	})
}

// ctxReader stops a long copy when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
