package pkgcache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kitbash-dev/kitbash/builder/ociart"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
)

// testRegistry is an in-process registry that counts write requests and can swap
// the bytes of one blob it serves.
type testRegistry struct {
	host   string
	writes atomic.Int64
	mu     sync.Mutex
	swap   map[string][]byte // blob digest -> bytes served instead
}

func newTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	tr := &testRegistry{swap: map[string][]byte{}}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut, http.MethodPost, http.MethodPatch:
			tr.writes.Add(1)
		case http.MethodGet:
			tr.mu.Lock()
			b, ok := tr.swap[r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]]
			tr.mu.Unlock()
			if ok && strings.Contains(r.URL.Path, "/blobs/") {
				w.Write(b)
				return
			}
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tr.host = strings.TrimPrefix(srv.URL, "http://")
	return tr
}

func (tr *testRegistry) ref(t *testing.T) Ref {
	t.Helper()
	r, err := Parse(tr.host + "/kitbash/cache")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegistryRoundTrip(t *testing.T) {
	ctx := context.Background()
	tr := newTestRegistry(t)
	var logBuf bytes.Buffer
	x := newExchange(t, tr.ref(t), WithLog(&logBuf))
	e := builtPackage(t, "hello", "hello tar bytes")

	if err := x.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	if tr.writes.Load() == 0 {
		t.Fatal("first put wrote nothing")
	}

	// The pushed manifest is the package artifact.
	tag := x.tag(strings.TrimPrefix(e.Manifest.InputsDigest, "sha256:"))
	if !strings.HasSuffix(tag.String(), "/kitbash/cache:pkg-"+strings.TrimPrefix(e.Manifest.InputsDigest, "sha256:")) {
		t.Fatalf("tag %s", tag)
	}
	desc, err := remote.Get(tag)
	if err != nil {
		t.Fatal(err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if desc.MediaType != types.OCIManifestSchema1 || m.ArtifactType != ArtifactType || m.Config.MediaType != ConfigMediaType ||
		len(m.Layers) != 1 || m.Layers[0].MediaType != LayerMediaType || m.Layers[0].Digest.String() != e.Manifest.Files.Digest ||
		m.Layers[0].Size != int64(len("hello tar bytes")) {
		t.Fatalf("pushed manifest %s: %s", desc.MediaType, desc.Manifest)
	}
	cfg, err := readBlob(tag.Context().Digest(m.Config.Digest.String()), nil, maxConfigSize)
	if want, _ := e.Manifest.Encode(); err != nil || !bytes.Equal(cfg, want) {
		t.Fatalf("pushed config %s %v", cfg, err)
	}

	// A second put only looks.
	before := tr.writes.Load()
	if err := x.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	if n := tr.writes.Load() - before; n != 0 {
		t.Fatalf("second put made %d write requests", n)
	}
	if !strings.Contains(logBuf.String(), "exported hello-1.0-1.x86_64") || !strings.Contains(logBuf.String(), "already in registry="+tr.host) {
		t.Fatalf("log:\n%s", logBuf.String())
	}

	for _, opts := range [][]Option{nil, {WithTempDir(t.TempDir())}} {
		store := openStore(t)
		got, ok, err := newExchange(t, x.Ref(), opts...).Get(ctx, e.Manifest.InputsDigest, store)
		if err != nil || !ok {
			t.Fatalf("get: ok=%v err=%v", ok, err)
		}
		checkImported(t, store, got, e)
	}

	if _, ok, err := x.Get(ctx, digestOf("nothing"), openStore(t)); ok || err != nil {
		t.Fatalf("missing package: ok=%v err=%v", ok, err)
	}
	empty := newExchange(t, Ref{Kind: Registry, Repo: tr.host + "/no/such/repo"})
	if _, ok, err := empty.Get(ctx, e.Manifest.InputsDigest, openStore(t)); ok || err != nil {
		t.Fatalf("missing repository: ok=%v err=%v", ok, err)
	}
}

func TestRegistryRefusesTamperedTar(t *testing.T) {
	ctx := context.Background()
	tr := newTestRegistry(t)
	x := newExchange(t, tr.ref(t))
	e := builtPackage(t, "hello", "good bytes")
	if err := x.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	tr.mu.Lock()
	tr.swap[e.Manifest.Files.Digest] = []byte("evil bytes")
	tr.mu.Unlock()
	for _, opts := range [][]Option{nil, {WithTempDir(t.TempDir())}} {
		store := openStore(t)
		_, ok, err := newExchange(t, x.Ref(), opts...).Get(ctx, e.Manifest.InputsDigest, store)
		if err == nil || ok {
			t.Fatalf("tampered blob accepted: ok=%v err=%v", ok, err)
		}
		if left, _ := os.ReadDir(store.Dir()); len(left) != 0 {
			t.Fatalf("store holds %v after a refused import", left)
		}
	}
}

// A manifest whose Files.Digest is not the tar it travels with: the artifact is
// consistent for the registry, but not for kitbash.
func TestRegistryRefusesMismatchedManifest(t *testing.T) {
	ctx := context.Background()
	tr := newTestRegistry(t)
	x := newExchange(t, tr.ref(t))
	e := builtPackage(t, "hello", "evil bytes")
	lying := e
	lying.Manifest.Files.Digest = digestOf("good bytes")
	img := forgeArtifact(t, lying)
	hexKey := strings.TrimPrefix(e.Manifest.InputsDigest, "sha256:")
	if err := remote.Write(x.tag(hexKey), img); err != nil {
		t.Fatal(err)
	}
	store := openStore(t)
	_, ok, err := x.Get(ctx, e.Manifest.InputsDigest, store)
	checkRefused(t, store, ok, err, "layer "+digestOf("evil bytes")+" is not the package tar "+digestOf("good bytes"))
}

func TestRegistryRefusesForeignImage(t *testing.T) {
	ctx := context.Background()
	tr := newTestRegistry(t)
	x := newExchange(t, tr.ref(t))
	inputs := digestOf("inputs")
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(x.tag(strings.TrimPrefix(inputs, "sha256:")), img); err != nil {
		t.Fatal(err)
	}
	store := openStore(t)
	_, ok, err := x.Get(ctx, inputs, store)
	checkRefused(t, store, ok, err, "not a kitbash package")
}

func TestRegistryPutRefusesCorruptStoreEntry(t *testing.T) {
	tr := newTestRegistry(t)
	x := newExchange(t, tr.ref(t))
	e := builtPackage(t, "hello", "good bytes")
	if err := os.WriteFile(e.Tar, []byte("rotten"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tr.writes.Load()
	err := x.Put(context.Background(), e)
	if ce := (*CorruptError)(nil); !errors.As(err, &ce) || !strings.Contains(err.Error(), filepath.Base(e.Tar)) {
		t.Fatalf("put of a corrupt entry: %v", err)
	}
	if n := tr.writes.Load() - before; n != 0 {
		t.Fatalf("refused put made %d write requests", n)
	}
}

// forgeArtifact builds the artifact for e without checking e.Tar against
// e.Manifest.Files.Digest.
func forgeArtifact(t *testing.T, e pkgstore.Entry) v1.Image {
	t.Helper()
	config, err := e.Manifest.Encode()
	if err != nil {
		t.Fatal(err)
	}
	tar, err := os.ReadFile(e.Tar)
	if err != nil {
		t.Fatal(err)
	}
	layerDigest, size, _ := v1.SHA256(bytes.NewReader(tar))
	img, err := ociart.Image(ociart.Artifact{ArtifactType: ArtifactType, Config: config, ConfigMediaType: ConfigMediaType,
		Layers: []ociart.Layer{{Path: e.Tar, MediaType: LayerMediaType, Digest: layerDigest, Size: size}}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}
