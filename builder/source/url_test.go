package source

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

type fileServer struct {
	files map[string][]byte // path → body; anything else 404
	fail  bool              // answer 500 to everything
	hits  atomic.Int64
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	if s.fail {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	body, ok := s.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write(body)
}

func sums(b []byte) (string, string) {
	a, c := sha256.Sum256(b), sha512.Sum512(b)
	return hex.EncodeToString(a[:]), hex.EncodeToString(c[:])
}

func newTestFetcher(t *testing.T, opts ...Option) (*Fetcher, string) {
	t.Helper()
	dir := t.TempDir()
	f, err := New(append([]Option{WithCacheDir(dir)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return f, dir
}

// blobCount is the number of blobs in the cache, and fails on leftover temp files.
func blobCount(t *testing.T, dir string) int {
	t.Helper()
	tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(tmp) != 0 {
		t.Errorf("leftover temp files: %v", tmp)
	}
	blobs, _ := os.ReadDir(filepath.Join(dir, "sha256"))
	return len(blobs)
}

func TestURLFetchAndCacheHit(t *testing.T) {
	body := []byte("hello tarball\n")
	s256, s512 := sums(body)
	srv := &fileServer{files: map[string][]byte{"/dl/hello-1.0.tar.gz": body}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f, dir := newTestFetcher(t, WithHTTPClient(ts.Client()))
	req := Request{Kind: KindURL, URL: ts.URL + "/dl/hello-1.0.tar.gz", SHA256: s256, SHA512: s512}

	if _, ok := f.Lookup(req); ok {
		t.Fatal("Lookup hit in an empty cache")
	}
	got, err := f.Fetch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := Fetched{Kind: KindURL, Name: "hello-1.0.tar.gz", Digest: "sha256:" + s256,
		Path: filepath.Join(dir, "sha256", s256), Size: int64(len(body))}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if data, _ := os.ReadFile(got.Path); string(data) != string(body) {
		t.Fatalf("blob content %q", data)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	again, err := f.Fetch(context.Background(), req)
	if err != nil || again != want {
		t.Fatalf("second fetch: %+v, %v", again, err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("cache hit made a request (%d total)", n)
	}
	if l, ok := f.Lookup(req); !ok || l != want {
		t.Fatalf("Lookup: %+v %v", l, ok)
	}
	if n := blobCount(t, dir); n != 1 {
		t.Fatalf("%d blobs", n)
	}
}

func TestURLSHA256MismatchStoresNothing(t *testing.T) {
	body := []byte("the new release\n")
	actual, _ := sums(body)
	expected, _ := sums([]byte("the old release\n"))
	ts := httptest.NewServer(&fileServer{files: map[string][]byte{"/x.tar": body}})
	defer ts.Close()
	f, dir := newTestFetcher(t, WithHTTPClient(ts.Client()))
	u := ts.URL + "/x.tar"
	_, err := f.Fetch(context.Background(), Request{Kind: KindURL, URL: u, SHA256: expected})
	if err == nil {
		t.Fatal("mismatch accepted")
	}
	t.Logf("error: %v", err)
	if !IsHashMismatch(err) {
		t.Errorf("not a HashMismatchError: %v", err)
	}
	for _, s := range []string{u, expected, actual, "if the new file is trusted, update sha256 in the spec"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if n := blobCount(t, dir); n != 0 {
		t.Fatalf("%d blobs stored after a mismatch", n)
	}
}

func TestURLSHA512Mismatch(t *testing.T) {
	body := []byte("payload")
	s256, _ := sums(body)
	_, wrong512 := sums([]byte("other"))
	ts := httptest.NewServer(&fileServer{files: map[string][]byte{"/p": body}})
	defer ts.Close()
	f, dir := newTestFetcher(t, WithHTTPClient(ts.Client()))
	_, err := f.Fetch(context.Background(), Request{Kind: KindURL, URL: ts.URL + "/p", SHA256: s256, SHA512: wrong512})
	if err == nil || !strings.Contains(err.Error(), "sha512 mismatch") || !strings.Contains(err.Error(), wrong512) {
		t.Fatalf("err = %v", err)
	}
	if n := blobCount(t, dir); n != 0 {
		t.Fatalf("%d blobs stored after a mismatch", n)
	}
}

func TestURLLookasideMissThenUpstream(t *testing.T) {
	body := []byte("upstream bytes")
	s256, _ := sums(body)
	la := &fileServer{files: map[string][]byte{}}
	up := &fileServer{files: map[string][]byte{"/src/a.tgz": body}}
	lts, uts := httptest.NewServer(la), httptest.NewServer(up)
	defer lts.Close()
	defer uts.Close()
	f, _ := newTestFetcher(t, WithLookaside(lts.URL+"/lookaside/"))
	got, err := f.Fetch(context.Background(), Request{Kind: KindURL, URL: uts.URL + "/src/a.tgz", SHA256: s256, Name: "a.tgz"})
	if err != nil {
		t.Fatal(err)
	}
	if la.hits.Load() != 1 || up.hits.Load() != 1 {
		t.Fatalf("lookaside hits %d, upstream hits %d; want 1, 1", la.hits.Load(), up.hits.Load())
	}
	if got.Digest != "sha256:"+s256 {
		t.Fatalf("digest %s", got.Digest)
	}
}

func TestURLLookasideHitSkipsUpstream(t *testing.T) {
	body := []byte("mirrored bytes")
	s256, _ := sums(body)
	var path string
	la := &fileServer{files: map[string][]byte{"/lookaside/" + s256 + "/b.tar.xz": body}}
	up := &fileServer{}
	lts, uts := httptest.NewServer(la), httptest.NewServer(up)
	defer lts.Close()
	defer uts.Close()
	f, _ := newTestFetcher(t, WithLookaside(lts.URL+"/lookaside"))
	got, err := f.Fetch(context.Background(), Request{Kind: KindURL, URL: uts.URL + "/dist/b.tar.xz", SHA256: s256})
	if err != nil {
		t.Fatal(err)
	}
	path = got.Path
	if la.hits.Load() != 1 || up.hits.Load() != 0 {
		t.Fatalf("lookaside hits %d, upstream hits %d; want 1, 0", la.hits.Load(), up.hits.Load())
	}
	if data, _ := os.ReadFile(path); string(data) != string(body) {
		t.Fatalf("blob %q", data)
	}
}

func TestURLUpstreamError(t *testing.T) {
	ts := httptest.NewServer(&fileServer{fail: true})
	defer ts.Close()
	f, dir := newTestFetcher(t)
	s256, _ := sums([]byte("x"))
	u := ts.URL + "/gone.tar"
	_, err := f.Fetch(context.Background(), Request{Kind: KindURL, URL: u, SHA256: s256})
	if err == nil || !strings.Contains(err.Error(), u) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("err = %v", err)
	}
	if n := blobCount(t, dir); n != 0 {
		t.Fatalf("%d blobs", n)
	}
}

func TestURLNotFound(t *testing.T) {
	ts := httptest.NewServer(&fileServer{})
	defer ts.Close()
	f, _ := newTestFetcher(t)
	s256, _ := sums([]byte("x"))
	u := ts.URL + "/missing.tar"
	_, err := f.Fetch(context.Background(), Request{Kind: KindURL, URL: u, SHA256: s256})
	if err == nil || !strings.Contains(err.Error(), u) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("err = %v", err)
	}
}

func TestRequestValidation(t *testing.T) {
	f, _ := newTestFetcher(t)
	s256, _ := sums([]byte("x"))
	for _, r := range []Request{
		{Kind: "git"},
		{Kind: KindURL, URL: "ftp://127.0.0.1/x", SHA256: s256},
		{Kind: KindURL, URL: "file:///etc/passwd", SHA256: s256},
		{Kind: KindURL, URL: "http://127.0.0.1/x", SHA256: strings.ToUpper(s256)},
		{Kind: KindURL, URL: "http://127.0.0.1/x", SHA256: s256, SHA512: "abc"},
		{Kind: KindURL, URL: "http://127.0.0.1/", SHA256: s256},
		{Kind: KindURL, URL: "http://127.0.0.1/x", SHA256: s256, Name: "../x"},
		{Kind: KindApt, Apt: "hello", SHA256: s256},
		{Kind: KindApt, Apt: "hello", Version: "1.0"},
		{Kind: KindGomod, Gomod: "example.com/m", Version: "v1.0.0", H1: "nope"},
		{Kind: KindGomod, Gomod: "example.com/m", Version: "1.0.0", H1: "h1:x"},
	} {
		if _, err := f.Fetch(context.Background(), r); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
	if _, err := New(); err == nil {
		t.Error("New without a cache dir accepted")
	}
}
