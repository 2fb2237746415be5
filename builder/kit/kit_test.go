package kit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/pkg"
)

func member(t *testing.T, dir, name, body string) Member {
	t.Helper()
	p := filepath.Join(dir, name+".tar")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	return Member{Tar: p, Manifest: pkg.Manifest{Name: name, Version: "1.0", Release: 1, Arch: "x86_64", Licenses: []string{"MIT"},
		Files: pkg.FilesSummary{Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(body)), Count: 1}}}
}

func testConfig() Config {
	return Config{Name: "core", Version: "0.1.0", Arch: "x86_64", Created: "2023-11-14T22:13:20Z", SDK: "sha256:" + strings.Repeat("a", 64)}
}

func TestIndexIsDeterministicAndOpens(t *testing.T) {
	dir := t.TempDir()
	a, b := member(t, dir, "runc", "runc bytes"), member(t, dir, "containerd", "containerd bytes")
	x1, err := Index(testConfig(), []Member{a, b})
	if err != nil {
		t.Fatal(err)
	}
	x2, err := Index(testConfig(), []Member{b, a})
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := x1.Digest()
	d2, _ := x2.Digest()
	if d1 != d2 {
		t.Fatalf("same kit, two digests: %s %s", d1, d2)
	}
	store, err := ocistore.Open(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.PutIndex(context.Background(), "kit/core:0.1.0", x1)
	if err != nil || h != d1 {
		t.Fatalf("put: %v %v", h, err)
	}
	idx, err := store.Index(h)
	if err != nil {
		t.Fatal(err)
	}
	k, err := Open(idx, "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Config.Packages) != 2 || k.Config.Packages[0].Name != "containerd" || len(k.Layers) != 2 {
		t.Fatalf("opened %+v", k.Config)
	}
	m, _ := k.Image.Manifest()
	if m.ArtifactType != ArtifactType || m.Annotations[AnnotationCreated] != "2023-11-14T22:13:20Z" || m.Annotations[AnnotationVersion] != "0.1.0" {
		t.Fatalf("manifest %+v", m)
	}
	im, _ := idx.IndexManifest()
	if im.Manifests[0].ArtifactType != ArtifactType || im.Manifests[0].Platform.Architecture != "amd64" || im.Annotations[AnnotationKit] != "core" {
		t.Fatalf("index %+v", im)
	}
	if _, err := Open(idx, "aarch64"); err == nil || !strings.Contains(err.Error(), "no manifest for linux/arm64") {
		t.Fatalf("other arch: %v", err)
	}
}

func TestIndexChangesWithContent(t *testing.T) {
	dir := t.TempDir()
	x1, _ := Index(testConfig(), []Member{member(t, dir, "runc", "one")})
	x2, _ := Index(testConfig(), []Member{member(t, dir, "runc", "two")})
	d1, _ := x1.Digest()
	d2, _ := x2.Digest()
	if d1 == d2 {
		t.Fatal("different packages, same kit digest")
	}
}

func TestCheckLayersRefusesMismatch(t *testing.T) {
	cfg := testConfig()
	cfg.Packages = []pkg.Manifest{{Name: "runc", Files: pkg.FilesSummary{Digest: "sha256:" + strings.Repeat("1", 64), Size: 3}}}
	h, _ := v1.NewHash("sha256:" + strings.Repeat("2", 64))
	err := checkLayers(cfg, []v1.Descriptor{{MediaType: LayerMediaType, Digest: h, Size: 3}})
	if err == nil || !strings.Contains(err.Error(), "is not package runc") {
		t.Fatalf("err = %v", err)
	}
}

func TestSpecValidate(t *testing.T) {
	root := t.TempDir()
	write := func(folder, body string) {
		p := filepath.Join(root, "kits", folder, "kit.yaml")
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("core", "schema-version: 1\nname: core\nversion: 0.1.0\nsummary: the core\npackages: [kernel, containerd]\n")
	write("bad", "schema-version: 1\nname: bad\nversion: one\nsummary: x\npackages: [a, a]\nextra: 1\n")
	specs, err := LoadSpecs(root, "p")
	if len(specs) != 2 || specs[1].Name != "core" {
		t.Fatalf("specs %+v", specs)
	}
	for _, want := range []string{`p/kits/bad/kit.yaml:3: version: "one" is not a semantic version`, `p/kits/bad/kit.yaml:5: packages[1]: "a" is listed twice`, `p/kits/bad/kit.yaml:6: unknown field "extra"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}
