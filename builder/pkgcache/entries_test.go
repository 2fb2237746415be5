package pkgcache

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
)

func TestLocalEntries(t *testing.T) {
	dir := t.TempDir()
	r := Ref{Kind: Local, Dir: dir}
	ex := r.ExportEntry("runc")
	if ex.Type != "local" || !maps.Equal(ex.Attrs, map[string]string{"dest": filepath.Join(dir, "buildkit"), "mode": "max", "tag": "runc"}) {
		t.Errorf("export entry %+v", ex)
	}
	if im, ok := r.ImportEntry("runc"); ok {
		t.Errorf("import entry %+v for a directory without BuildKit's index.json", im)
	}
	if err := os.MkdirAll(filepath.Join(dir, "buildkit"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "buildkit", "index.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	im, ok := r.ImportEntry("runc")
	if !ok || im.Type != "local" || !maps.Equal(im.Attrs, map[string]string{"src": filepath.Join(dir, "buildkit"), "tag": "runc"}) {
		t.Errorf("import entry %+v %v", im, ok)
	}
}

func TestRegistryEntries(t *testing.T) {
	r := Ref{Kind: Registry, Repo: "registry.example.org/me/cache"}
	ex := r.ExportEntry("runc")
	want := map[string]string{"ref": "registry.example.org/me/cache:buildkit-runc", "mode": "max", "image-manifest": "true", "oci-mediatypes": "true"}
	if ex.Type != "registry" || !maps.Equal(ex.Attrs, want) {
		t.Errorf("export entry %+v", ex)
	}
	im, ok := r.ImportEntry("runc")
	if !ok || im.Type != "registry" || !maps.Equal(im.Attrs, map[string]string{"ref": "registry.example.org/me/cache:buildkit-runc"}) {
		t.Errorf("import entry %+v %v", im, ok)
	}
	im.Attrs["digest"] = "sha256:x" // the BuildKit client writes into it
	if again, _ := r.ImportEntry("runc"); len(again.Attrs) != 1 {
		t.Errorf("import entries share their attrs: %+v", again)
	}
}

func TestZeroRefEntries(t *testing.T) {
	if ex := (Ref{}).ExportEntry("runc"); ex.Type != "" || ex.Attrs != nil {
		t.Errorf("export entry %+v", ex)
	}
	if _, ok := (Ref{}).ImportEntry("runc"); ok {
		t.Error("import entry for a zero Ref")
	}
}
