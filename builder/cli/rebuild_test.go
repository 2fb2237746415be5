package cli

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/regref"
)

func TestRebuildErrorsAreOneLineWithAFix(t *testing.T) {
	_, errOut, code := run(t, nil, "rebuild", "kits/core:0.1.0")
	if code != 1 || !strings.Contains(oneLine(t, errOut), "carries no sources; fix: give the published reference") {
		t.Fatalf("local kit: exit %d, %q", code, errOut)
	}

	// A kit published before kits carried their sources.
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	dir := t.TempDir()
	store, err := ocistore.Open(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.tar"), []byte("a tar"), 0o644)
	idx, err := kit.Index(kit.Config{Name: "core", Version: "0.1.0", Arch: "x86_64", Created: "2023-11-14T22:13:20Z"}, []kit.Member{{Tar: filepath.Join(dir, "a.tar"),
		Manifest: pkg.Manifest{Name: "a", Version: "1", Release: 1, Arch: "x86_64", Files: pkg.FilesSummary{Digest: sha256Digest([]byte("a tar")), Size: 5}}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.PutIndex(ctx, "kits/core:0.1.0", idx)
	if err != nil {
		t.Fatal(err)
	}
	repo := strings.TrimPrefix(srv.URL, "http://") + "/kits/core"
	ref, _ := regref.Parse(repo + ":0.1.0")
	if _, _, err := kit.Push(ctx, store, h.String(), ref); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = run(t, nil, "--cache-dir", filepath.Join(dir, "cache"), "rebuild", repo+":0.1.0")
	got := oneLine(t, errOut)
	if code != 1 || !strings.Contains(got, "kit "+repo+"@"+h.String()+" (core 0.1.0) carries no sources") || !strings.Contains(got, "fix: publish it again with this kitbash (kitbash publish kit core --to "+repo+")") {
		t.Fatalf("kit without sources: exit %d, %q", code, got)
	}
	if _, err := os.Stat(filepath.Join(dir, "cache", "rebuild")); err == nil {
		if ents, _ := os.ReadDir(filepath.Join(dir, "cache", "rebuild")); len(ents) > 0 {
			t.Fatalf("a work folder was left: %v", ents)
		}
	}
}
