package pkgstore

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/pkg"
)

const inputs = "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestPutGet(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(inputs); ok || err != nil {
		t.Fatalf("empty store: ok=%v err=%v", ok, err)
	}
	m := pkg.Manifest{Name: "hello", Version: "1", Release: 1, InputsDigest: inputs}
	e, err := s.Put(m, strings.NewReader("tar bytes"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(inputs)
	if err != nil || !ok || got.Manifest.Name != "hello" || got.Tar != e.Tar {
		t.Fatalf("get after put: %+v %v %v", got, ok, err)
	}
	if b, _ := os.ReadFile(e.Tar); string(b) != "tar bytes" {
		t.Fatalf("tar content %q", b)
	}
	// A second put of the same key keeps the first.
	if _, err := s.Put(m, strings.NewReader("other")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(e.Tar); string(b) != "tar bytes" {
		t.Fatal("second put replaced the stored package")
	}
	leftovers, _ := filepath.Glob(filepath.Join(s.Dir(), ".tmp-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temp dirs left: %v", leftovers)
	}
}

func TestBadKeys(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, k := range []string{"", "sha256:xyz", "md5:" + strings.Repeat("a", 64), "sha256:" + strings.Repeat("A", 64)} {
		if _, _, err := s.Get(k); err == nil {
			t.Errorf("Get(%q) accepted a bad digest", k)
		}
	}
}

func TestManifestMustMatchKey(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	other := "sha256:" + strings.Repeat("f", 64)
	if _, err := s.Put(pkg.Manifest{Name: "x", InputsDigest: other}, strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	// Simulate a corrupted store: the manifest under one key claims another.
	if err := os.Rename(filepath.Join(dir, strings.Repeat("f", 64)), filepath.Join(dir, inputs[7:])); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(inputs); err == nil {
		t.Fatal("a manifest naming other inputs must be refused")
	}
}

func TestPutReturnsTheManifestGetReads(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := pkg.Manifest{Name: "a", Requires: []string{"z", "b"}, InputsDigest: "sha256:" + strings.Repeat("c", 64)}
	put, err := s.Put(m, strings.NewReader("tar"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(m.InputsDigest)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if !reflect.DeepEqual(put.Manifest, got.Manifest) {
		t.Fatalf("put returned %+v, get reads %+v", put.Manifest, got.Manifest)
	}
}
