package pkgcache

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// snapshot maps each path under dir to its modification time.
func snapshot(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fi.ModTime()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLocalRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ref, err := Parse("dir=" + dir)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	x := newExchange(t, ref, WithLog(&log))
	e := builtPackage(t, "hello", "hello tar bytes")

	if err := x.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	hexKey := strings.TrimPrefix(e.Manifest.InputsDigest, "sha256:")
	entry := filepath.Join(dir, "packages", hexKey)
	if b, err := os.ReadFile(filepath.Join(entry, "package.tar")); err != nil || string(b) != "hello tar bytes" {
		t.Fatalf("exported tar %q %v", b, err)
	}
	want, _ := e.Manifest.Encode()
	if b, err := os.ReadFile(filepath.Join(entry, "manifest.json")); err != nil || !bytes.Equal(b, want) {
		t.Fatalf("exported manifest %s %v", b, err)
	}

	before := snapshot(t, dir)
	if err := x.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Fatalf("second put changed the cache: %v -> %v", before, after)
	}
	for p, mt := range before {
		if !after[p].Equal(mt) {
			t.Fatalf("second put rewrote %s", p)
		}
	}
	if !strings.Contains(log.String(), "exported hello-1.0-1.x86_64") || !strings.Contains(log.String(), "already in dir="+dir) {
		t.Fatalf("log:\n%s", log.String())
	}

	for _, opts := range [][]Option{nil, {WithTempDir(t.TempDir())}} {
		store := openStore(t)
		got, ok, err := newExchange(t, ref, opts...).Get(ctx, e.Manifest.InputsDigest, store)
		if err != nil || !ok {
			t.Fatalf("get: ok=%v err=%v", ok, err)
		}
		checkImported(t, store, got, e)
		// Now in the store, it is returned without reading the cache.
		if again, ok, err := x.Get(ctx, e.Manifest.InputsDigest, store); err != nil || !ok || again.Tar != got.Tar {
			t.Fatalf("second get: %+v %v %v", again, ok, err)
		}
	}

	if _, ok, err := x.Get(ctx, digestOf("nothing"), openStore(t)); ok || err != nil {
		t.Fatalf("missing package: ok=%v err=%v", ok, err)
	}
	if _, _, err := x.Get(ctx, "sha256:nope", openStore(t)); err == nil {
		t.Fatal("bad inputs digest accepted")
	}
}

func TestLocalRefusesTamperedTar(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	x := newExchange(t, Ref{Kind: Local, Dir: dir})
	e := builtPackage(t, "hello", "good bytes")
	if err := x.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	hexKey := strings.TrimPrefix(e.Manifest.InputsDigest, "sha256:")
	if err := os.WriteFile(filepath.Join(dir, "packages", hexKey, "package.tar"), []byte("evil bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, opts := range [][]Option{nil, {WithTempDir(t.TempDir())}} {
		store := openStore(t)
		_, ok, err := newExchange(t, x.Ref(), opts...).Get(ctx, e.Manifest.InputsDigest, store)
		checkRefused(t, store, ok, err, "package tar has digest "+digestOf("evil bytes")+", its manifest says "+digestOf("good bytes"))
	}
}

func TestLocalRefusesWrongKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	x := newExchange(t, Ref{Kind: Local, Dir: dir})
	e := builtPackage(t, "hello", "bytes")
	if err := x.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	other := digestOf("other inputs")
	if err := os.Rename(filepath.Join(dir, "packages", strings.TrimPrefix(e.Manifest.InputsDigest, "sha256:")),
		filepath.Join(dir, "packages", strings.TrimPrefix(other, "sha256:"))); err != nil {
		t.Fatal(err)
	}
	store := openStore(t)
	_, ok, err := x.Get(ctx, other, store)
	checkRefused(t, store, ok, err, "manifest is for inputs "+e.Manifest.InputsDigest)
}

func TestLocalPutRefusesCorruptStoreEntry(t *testing.T) {
	dir := t.TempDir()
	x := newExchange(t, Ref{Kind: Local, Dir: dir})
	e := builtPackage(t, "hello", "good bytes")
	if err := os.WriteFile(e.Tar, []byte("rotten"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := x.Put(context.Background(), e)
	if ce := (*CorruptError)(nil); !errors.As(err, &ce) {
		t.Fatalf("put of a corrupt entry: %v", err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "packages")); len(left) != 0 {
		t.Fatalf("cache holds %v after a refused export", left)
	}
}

func TestNewRefusesBadRef(t *testing.T) {
	for _, r := range []Ref{{}, {Kind: Local, Dir: "rel"}, {Kind: Registry, Repo: "Bad Repo"}} {
		if _, err := New(r); err == nil || !strings.Contains(err.Error(), "fix: build the Ref with Parse") {
			t.Errorf("New(%+v): %v", r, err)
		}
	}
	if _, err := New(Ref{Kind: Local, Dir: "/x"}, WithTempDir("")); err == nil {
		t.Error("empty temp dir accepted")
	}
}
