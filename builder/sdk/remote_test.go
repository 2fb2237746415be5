package sdk

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
)

func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func storedSDK(t *testing.T) (*ocistore.Store, Result) {
	t.Helper()
	store, err := ocistore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := storeImage(context.Background(), store, testInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	return store, res
}

func TestPushPullRoundTrip(t *testing.T) {
	ctx := context.Background()
	host := newRegistry(t, nil)
	src, built := storedSDK(t)

	pushed, err := Push(ctx, src, built.Digest, host+"/kitbash/sdk:v1")
	if err != nil {
		t.Fatal(err)
	}
	if pushed.DigestStr() != built.Digest.String() || !strings.HasPrefix(pushed.String(), host+"/kitbash/sdk@") {
		t.Fatalf("pushed %s", pushed)
	}

	dst, err := ocistore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Pull(ctx, dst, pushed.String())
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != built.Digest || got.Name != built.Name || got.Size != built.Size || !slices.Equal(got.Packages, built.Packages) {
		t.Fatalf("pulled %+v, built %+v", got, built)
	}
	if d, err := dst.Resolve(ImageName(built.Name, built.Digest)); err != nil || d.Digest != built.Digest {
		t.Fatalf("resolve pulled image: %+v %v", d, err)
	}
	cfg, err := LoadConfig(dst, got.Digest)
	if err != nil || cfg.WorkingDir != "/" {
		t.Fatalf("config of pulled image: %+v %v", cfg, err)
	}
}

func TestPullRefusesTag(t *testing.T) {
	store, _ := storedSDK(t)
	_, err := Pull(context.Background(), store, "127.0.0.1:1/kitbash/sdk:latest")
	if err == nil || !strings.Contains(err.Error(), "REPO@sha256:") {
		t.Fatalf("err = %v, want a refusal naming REPO@sha256:", err)
	}
}

func TestPullDigestMismatch(t *testing.T) {
	ctx := context.Background()
	const bogus = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	var real string
	// The registry answers a request for the bogus digest with the real manifest.
	host := newRegistry(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.URL.Path = strings.Replace(r.URL.Path, "/manifests/"+bogus, "/manifests/"+real, 1)
			h.ServeHTTP(w, r)
		})
	})
	src, built := storedSDK(t)
	real = built.Digest.String()
	if _, err := Push(ctx, src, built.Digest, host+"/kitbash/sdk"); err != nil {
		t.Fatal(err)
	}
	dst, _ := ocistore.Open(t.TempDir())
	_, err := Pull(ctx, dst, host+"/kitbash/sdk@"+bogus)
	if err == nil {
		t.Fatal("pull accepted a manifest whose digest differs from the reference")
	}
	if !strings.Contains(err.Error(), "does not match requested digest") {
		t.Fatalf("err = %v, want a digest mismatch", err)
	}
	if dst.Has(built.Digest) {
		t.Fatal("mismatched image was stored")
	}
}

func TestPullRefusesNonSDKImage(t *testing.T) {
	ctx := context.Background()
	host := newRegistry(t, nil)
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	if err := remote.Write(mustRef(t, host+"/other:x"), img); err != nil {
		t.Fatal(err)
	}
	store, _ := ocistore.Open(t.TempDir())
	if _, err := Pull(ctx, store, host+"/other@"+d.String()); err == nil || !strings.Contains(err.Error(), "not a Kitbash SDK") {
		t.Fatalf("err = %v", err)
	}
}

func TestPushRefusesOtherDigest(t *testing.T) {
	src, built := storedSDK(t)
	other := "127.0.0.1:1/kitbash/sdk@sha256:" + strings.Repeat("2", 64)
	if _, err := Push(context.Background(), src, built.Digest, other); err == nil {
		t.Fatal("push to a reference naming another digest succeeded")
	}
}

func mustRef(t *testing.T, ref string) name.Reference {
	t.Helper()
	r, err := parseRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
