package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/kitbash-dev/kitbash/builder/attest"
	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/kitsrc"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/regref"
)

// sourcesProject scaffolds a project whose kit "demo" carries hello, which needs tool to
// build and reads ../../shared; "unrelated", build outputs and tools are not the kit's.
func sourcesProject(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	if _, err := project.Scaffold(dir, project.ScaffoldOptions{Name: "demo"}); err != nil {
		t.Fatal(err)
	}
	l, err := project.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	sdk := "sha256:" + strings.Repeat("a", 64)
	if err := l.WriteLock(project.Lock{SchemaVersion: 1, SDK: project.LockedSDK{Name: "demo-sdk", Digest: sdk, Inputs: l.Project.SDK.InputsDigest()}}); err != nil {
		t.Fatal(err)
	}
	spec := func(name, extra string) string {
		return "schema-version: 1\nname: " + name + "\nversion: 1.0.0\nrelease: 1\nsummary: " + name + "\nlicense: MIT\n" + extra + "build: \"true\"\n"
	}
	for p, body := range map[string]string{
		"specs/hello/package.yaml":     spec("hello", "sources:\n  - path: files/greeting\n  - path: ../../shared\nbuild-requires: [tool]\n"),
		"specs/hello/files/greeting":   "hello\n",
		"specs/tool/package.yaml":      spec("tool", ""),
		"specs/unrelated/package.yaml": spec("unrelated", ""),
		"shared/lib.sh":                "echo shared\n",
		"kits/demo/kit.yaml":           "schema-version: 1\nname: demo\nversion: 0.1.0\nsummary: demo kit\npackages: [hello]\n",
		"build/images/x.img":           "output\n",
		"bin/kitbash":                  "binary\n",
	} {
		p = filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func tarNames(t *testing.T, b []byte) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

// TestPublishAttachesSources: the sources of a kit are its project file and lock, its
// spec, and the spec folders and path sources of what its build builds; publishing
// attaches them next to the SBOM and provenance (which records their digest), and a
// second publish attaches nothing.
func TestPublishAttachesSources(t *testing.T) {
	ctx := context.Background()
	dir := sourcesProject(t)
	g := newGlobals(func(string) string { return "" }, io.Discard, io.Discard)
	g.projectDir = dir
	k := builtKit{Name: "demo", Version: "0.1.0", config: kit.Config{Name: "demo", Version: "0.1.0", Arch: "x86_64", Created: "2023-11-14T22:13:20Z"}}
	src, err := g.kitSources(ctx, "demo", kitFlags{}, k)
	if err != nil {
		t.Fatal(err)
	}
	want := "Kitbash.lock Kitbash.yaml kits/demo/kit.yaml shared/ shared/lib.sh specs/hello/ specs/hello/files/ specs/hello/files/greeting specs/hello/package.yaml specs/tool/ specs/tool/package.yaml"
	if got := strings.Join(tarNames(t, src), " "); got != want {
		t.Fatalf("sources\n got %s\nwant %s", got, want)
	}
	again, err := g.kitSources(ctx, "demo", kitFlags{}, k)
	if err != nil || !bytes.Equal(src, again) {
		t.Fatalf("packed twice, two tars (%v)", err)
	}

	// Publish a kit (one stand-in package) with those sources to an in-process registry.
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	store, err := ocistore.Open(filepath.Join(t.TempDir(), "oci"))
	if err != nil {
		t.Fatal(err)
	}
	tarPath := filepath.Join(t.TempDir(), "hello.tar")
	os.WriteFile(tarPath, []byte("hello tar"), 0o644)
	member := kit.Member{Tar: tarPath, Manifest: pkg.Manifest{Name: "hello", Version: "1.0.0", Release: 1, Arch: "x86_64", Licenses: []string{"MIT"},
		Files: pkg.FilesSummary{Digest: sha256Digest([]byte("hello tar")), Size: 9, Count: 1}}}
	idx, err := kit.Index(k.config, []kit.Member{member})
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.PutIndex(ctx, kit.StoreRef("demo", "0.1.0"), idx)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := store.Index(h)
	opened, err := kit.Open(stored, "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	k.Digest, k.config = h.String(), opened.Config
	ref, err := regref.Parse(strings.TrimPrefix(srv.URL, "http://") + "/kits/demo:0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	res, err := publishKit(ctx, store, k, ref, nil, "", src)
	if err != nil {
		t.Fatal(err)
	}
	attached := map[string]attachRef{}
	for _, a := range res.Attachments {
		attached[a.ArtifactType] = a
	}
	sa, ok := attached[kitsrc.ArtifactType]
	if len(res.Attachments) != 3 || !ok || !sa.Uploaded {
		t.Fatalf("attachments %+v", res.Attachments)
	}
	d := ref.Context().Digest(h.String())
	got, err := attest.Fetch(ctx, d.Context(), sa.Digest)
	if err != nil || !bytes.Equal(got, src) {
		t.Fatalf("the attached sources are not the packed ones (%v)", err)
	}
	prov, err := attest.Fetch(ctx, d.Context(), attached[attest.ProvenanceArtifactType].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"uri": "kit-sources:demo",
          "digest": {
            "sha256": "` + strings.TrimPrefix(sha256Digest(src), "sha256:") + `"`; !strings.Contains(string(prov), want) {
		t.Fatalf("the provenance does not record the sources:\n%s", prov)
	}
	second, err := publishKit(ctx, store, k, ref, nil, "", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range second.Attachments {
		if a.Uploaded {
			t.Errorf("re-publish attached %s again", a.ArtifactType)
		}
	}
	if second.Uploaded.Blobs != 0 || second.Uploaded.Bytes != 0 {
		t.Errorf("re-publish uploaded %+v", second.Uploaded)
	}
}
