package kit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/regref"
)

// builtKit puts a two-package kit into a fresh store and returns the store and digest.
func builtKit(t *testing.T) (*ocistore.Store, string, Member) {
	t.Helper()
	dir := t.TempDir()
	runc := member(t, dir, "runc", strings.Repeat("runc ", 1000))
	idx, err := Index(testConfig(), []Member{runc, member(t, dir, "containerd", "containerd bytes")})
	if err != nil {
		t.Fatal(err)
	}
	store, err := ocistore.Open(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.PutIndex(context.Background(), StoreRef("core", "0.1.0"), idx)
	if err != nil {
		t.Fatal(err)
	}
	return store, h.String(), runc
}

func TestPushTwiceUploadsNothingAndPullChecks(t *testing.T) {
	var tamper string // a blob digest whose content the registry corrupts
	reg := registry.New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tamper != "" && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+tamper) {
			w.Write([]byte(strings.Repeat("evil ", 1000)))
			return
		}
		reg.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx := context.Background()
	store, digest, runc := builtKit(t)
	ref, err := regref.Parse(strings.TrimPrefix(srv.URL, "http://") + "/kits/core:0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	d, up, err := Push(ctx, store, digest, ref)
	if err != nil {
		t.Fatal(err)
	}
	if d.DigestStr() != digest || up.Blobs < 3 || up.Bytes < 5000 {
		t.Fatalf("first push: %s %+v", d, up)
	}
	if _, up, err = Push(ctx, store, digest, ref); err != nil || up.Blobs != 0 || up.Bytes != 0 {
		t.Fatalf("second push uploaded %+v (%v)", up, err)
	}

	fresh, err := ocistore.Open(filepath.Join(t.TempDir(), "oci"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := Pull(ctx, fresh, d, "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	if k.Digest.String() != digest || len(k.Config.Packages) != 2 {
		t.Fatalf("pulled %s %+v", k.Digest, k.Config)
	}

	tamper = runc.Manifest.Files.Digest
	other, err := ocistore.Open(filepath.Join(t.TempDir(), "oci"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(ctx, other, d, "x86_64"); err == nil {
		t.Fatal("a tampered layer was accepted")
	}
	h, _ := parseHash(digest)
	if other.Has(h) {
		t.Fatal("the tampered kit's index was stored")
	}
	lh, _ := parseHash(runc.Manifest.Files.Digest)
	if other.Has(lh) {
		t.Fatal("the tampered layer was stored")
	}
}
