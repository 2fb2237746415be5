package ocistore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/containerd/containerd/v2/core/content"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenCreatesLayout(t *testing.T) {
	s := openStore(t)
	for _, f := range []string{"oci-layout", "index.json", "blobs/sha256"} {
		if _, err := os.Stat(filepath.Join(s.Dir(), f)); err != nil {
			t.Errorf("layout is missing %s: %v", f, err)
		}
	}
	again, err := Open(s.Dir())
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if again.Dir() != s.Dir() {
		t.Errorf("Dir() = %q, want %q", again.Dir(), s.Dir())
	}
}

func TestPutResolveReplace(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	first, second := randomImage(t), randomImage(t)

	h1, err := s.Put(ctx, "app", first)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := first.Digest()
	if h1 != want {
		t.Fatalf("Put returned %s, want %s", h1, want)
	}
	if !s.Has(h1) {
		t.Fatalf("Has(%s) = false after Put", h1)
	}
	d, err := s.Resolve("app")
	if err != nil {
		t.Fatal(err)
	}
	if d.Digest != h1 || d.MediaType == "" || d.Size == 0 {
		t.Fatalf("Resolve = %+v", d)
	}

	h2, err := s.Put(ctx, "app", second)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Resolve("app"); d.Digest != h2 {
		t.Fatalf("after replace Resolve = %s, want %s", d.Digest, h2)
	}
	idx, err := s.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Manifests) != 1 {
		t.Fatalf("index has %d entries after replace, want 1", len(idx.Manifests))
	}
	if !s.Has(h1) {
		t.Error("replacing a name must not delete the old blobs")
	}

	img, err := s.Image(h2)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 2 {
		t.Fatalf("layers read back: %d, %v", len(layers), err)
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Fatalf("layer read back from store: %v", err)
		}
		rc.Close()
	}
	if _, err := img.ConfigFile(); err != nil {
		t.Fatal(err)
	}
	if got, _ := img.Digest(); got != h2 {
		t.Fatalf("Image(%s).Digest() = %s", h2, got)
	}
}

func TestResolveMissingNamesStore(t *testing.T) {
	s := openStore(t)
	_, err := s.Resolve("nope")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), s.Dir()) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("error %q should name the image and the store", err)
	}
	if _, err := s.Image(v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Image of a missing digest: %v", err)
	}
}

func TestIndexDeterministic(t *testing.T) {
	ctx := context.Background()
	imgs := map[string]v1.Image{"b": randomImage(t), "a": randomImage(t), "c": randomImage(t)}
	a, b := openStore(t), openStore(t)
	for _, n := range []string{"b", "a", "c"} {
		if _, err := a.Put(ctx, n, imgs[n]); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"c", "b", "a", "c"} {
		if _, err := b.Put(ctx, n, imgs[n]); err != nil {
			t.Fatal(err)
		}
	}
	ia, _ := os.ReadFile(filepath.Join(a.Dir(), "index.json"))
	ib, _ := os.ReadFile(filepath.Join(b.Dir(), "index.json"))
	if !bytes.Equal(ia, ib) {
		t.Fatalf("index.json differs:\n%s\n%s", ia, ib)
	}
	if i, j := bytes.Index(ia, []byte(`"a"`)), bytes.Index(ia, []byte(`"c"`)); i < 0 || i > j {
		t.Fatalf("entries not sorted by name:\n%s", ia)
	}
}

func TestConcurrentPut(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	const n = 8
	shared := randomImage(t)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		img := randomImage(t)
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := s.Put(ctx, fmt.Sprintf("img-%d", i), img)
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := s.Put(ctx, "shared", shared)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	idx, err := s.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Manifests) != n+1 {
		t.Fatalf("index has %d entries, want %d", len(idx.Manifests), n+1)
	}
	left, _ := os.ReadDir(filepath.Join(s.Dir(), tmpDir))
	if len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

func TestPutRejectsCorruptBlob(t *testing.T) {
	s := openStore(t)
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}
	err := s.writeBlob(context.Background(), h, bytesOpener([]byte("not it")))
	if err == nil {
		t.Fatal("writeBlob accepted content that does not match its digest")
	}
	if s.Has(h) {
		t.Fatal("corrupt blob became visible")
	}
	left, _ := os.ReadDir(filepath.Join(s.Dir(), tmpDir))
	if len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

func TestContentStoreReadsBlobs(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	img := randomImage(t)
	h, err := s.Put(ctx, "app", img)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := s.ContentStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := img.RawManifest()
	got, err := content.ReadBlob(ctx, cs, ocispec.Descriptor{Digest: digestOf(h), Size: int64(len(raw))})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Fatal("content store returned different manifest bytes")
	}
}
