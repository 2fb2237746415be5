package pkgcache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
)

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func openStore(t *testing.T) *pkgstore.Store {
	t.Helper()
	s, err := pkgstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testManifest(name, tar string) pkg.Manifest {
	return pkg.Manifest{
		SchemaVersion: pkg.ManifestSchema, Name: name, Version: "1.0", Release: 1, Arch: "x86_64",
		Requires: []string{}, Provides: []string{name}, Licenses: []string{"MIT"},
		Files:        pkg.FilesSummary{Digest: digestOf(tar), Size: int64(len(tar)), Count: 1},
		Sources:      []pkg.SourceDigest{},
		SpecDigest:   digestOf("spec " + name),
		InputsDigest: digestOf("inputs " + name),
	}
}

// builtPackage stores a package named name with tar content tar, as a build would.
func builtPackage(t *testing.T, name, tar string) pkgstore.Entry {
	t.Helper()
	e, err := openStore(t).Put(testManifest(name, tar), strings.NewReader(tar))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newExchange(t *testing.T, ref Ref, opts ...Option) *Exchange {
	t.Helper()
	x, err := New(ref, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// checkImported asserts store holds e's package with e's tar content.
func checkImported(t *testing.T, store *pkgstore.Store, got, e pkgstore.Entry) {
	t.Helper()
	if got.Manifest.InputsDigest != e.Manifest.InputsDigest || got.Manifest.Files != e.Manifest.Files || got.Manifest.Name != e.Manifest.Name {
		t.Fatalf("imported manifest %+v, exported %+v", got.Manifest, e.Manifest)
	}
	stored, ok, err := store.Get(e.Manifest.InputsDigest)
	if err != nil || !ok || stored.Tar != got.Tar {
		t.Fatalf("store after import: %+v %v %v", stored, ok, err)
	}
	want, _ := os.ReadFile(e.Tar)
	if b, err := os.ReadFile(got.Tar); err != nil || string(b) != string(want) {
		t.Fatalf("imported tar %q %v, want %q", b, err, want)
	}
}

// checkRefused asserts err is a *CorruptError and store holds nothing at all.
func checkRefused(t *testing.T, store *pkgstore.Store, ok bool, err error, want string) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) || ok || !strings.Contains(err.Error(), want) {
		t.Fatalf("got ok=%v err=%v, want a CorruptError about %q", ok, err, want)
	}
	if left, _ := os.ReadDir(store.Dir()); len(left) != 0 {
		t.Fatalf("store holds %v after a refused import", left)
	}
}
