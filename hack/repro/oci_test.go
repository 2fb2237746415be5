package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// putBlob writes content into a fake OCI layout store and returns its digest.
func putBlob(t *testing.T, store string, content []byte) string {
	t.Helper()
	sum := sha256.Sum256(content)
	h := hex.EncodeToString(sum[:])
	dir := filepath.Join(store, "blobs", "sha256")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, h), content, 0o644); err != nil {
		t.Fatal(err)
	}
	return "sha256:" + h
}

func putJSON(t *testing.T, store string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return putBlob(t, store, b)
}

// fakeKit writes a kit-shaped artifact: index → manifest → config and one layer per
// package; created is an annotation of the manifest.
func fakeKit(t *testing.T, store, created string, layers map[string]string) string {
	t.Helper()
	config := putBlob(t, store, []byte(`{"kit":"core"}`))
	var ls []map[string]any
	for _, title := range []string{"agents.tar", "runc.tar"} {
		ls = append(ls, map[string]any{"mediaType": "application/vnd.kitbash.package.layer.v1.tar",
			"digest": putBlob(t, store, []byte(layers[title])), "annotations": map[string]string{"org.opencontainers.image.title": title}})
	}
	manifest := putJSON(t, store, map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"digest": config}, "layers": ls, "annotations": map[string]string{"created": created}})
	return putJSON(t, store, map[string]any{"mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []map[string]any{{"digest": manifest}}})
}

func TestOCIPairsNameTheDifferingLayer(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	da := fakeKit(t, a, "then", map[string]string{"agents.tar": "agents", "runc.tar": "runc 1"})
	db := fakeKit(t, b, "then", map[string]string{"agents.tar": "agents", "runc.tar": "runc 2"})
	ps, err := pairsFor(mismatch{kind: kindKit, name: "core:0.1.0",
		a: &artifact{kind: kindKit, digest: da, where: location{store: a}},
		b: &artifact{kind: kindKit, digest: db, where: location{store: b}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].label != "kit core:0.1.0 manifest 0 layer runc.tar" {
		t.Fatalf("pairs = %+v", ps)
	}
	for _, f := range []string{ps[0].a, ps[0].b} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("pair names a missing blob: %v", err)
		}
	}
	if got, _ := os.ReadFile(ps[0].b); string(got) != "runc 2" {
		t.Errorf("B's side is %q", got)
	}
}

func TestOCIPairsAnnotationsOnly(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	same := map[string]string{"agents.tar": "agents", "runc.tar": "runc"}
	da := fakeKit(t, a, "monday", same)
	db := fakeKit(t, b, "tuesday", same)
	ps, err := ociPairs("kit core", a, da, b, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].label != "kit core manifest 0" {
		t.Fatalf("pairs = %+v", ps)
	}
}

func TestOCIPartsMissingBlob(t *testing.T) {
	if _, err := ociParts(t.TempDir(), "sha256:"+hex.EncodeToString(make([]byte, 32))); err == nil {
		t.Fatal("a missing blob was not an error")
	}
	if _, err := ociParts(t.TempDir(), "md5:x"); err == nil {
		t.Fatal("a malformed digest was not an error")
	}
}

func TestPairsForFilesAndMissing(t *testing.T) {
	x := mismatch{kind: kindPackage, name: "runc",
		a: &artifact{digest: "sha256:1", where: location{file: "/a/package.tar"}},
		b: &artifact{digest: "sha256:2", where: location{file: "/b/package.tar"}}}
	ps, err := pairsFor(x)
	if err != nil || len(ps) != 1 || ps[0].a != "/a/package.tar" || ps[0].b != "/b/package.tar" || ps[0].label != "package runc" {
		t.Fatalf("pairs = %+v, %v", ps, err)
	}
	x.b = nil
	if ps, err := pairsFor(x); err != nil || len(ps) != 0 {
		t.Fatalf("one-sided: %+v, %v", ps, err)
	}
}
