package sdk

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
)

// writeTar writes a small tar of name→content files to dir/file.
func writeTar(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		h := &tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[n]))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func testInputs(t *testing.T) imageInputs {
	t.Helper()
	dir := t.TempDir()
	in := imageInputs{
		spec:         Spec{Name: "kitbash-sdk", Suite: "bookworm", GoVersion: "1.99.0", Packages: []string{"erofs-utils"}},
		epoch:        time.Unix(1700000000, 0),
		rootfsTar:    filepath.Join(dir, "rootfs.tar"),
		toolchainTar: filepath.Join(dir, "toolchain.tar"),
		packages:     []string{"base-files=12.4", "erofs-utils=1.5-1"},
		goSum:        "h1:abc=",
	}
	writeTar(t, in.rootfsTar, map[string]string{"./etc/os-release": "ID=debian\n", "./usr/bin/mkfs.erofs": "ELF"})
	writeTar(t, in.toolchainTar, map[string]string{"usr/local/go/bin/go": "ELF go"})
	return in
}

func TestAssembleImageDeterministic(t *testing.T) {
	in := testInputs(t)
	a, err := assembleImage(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := assembleImage(in)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Fatalf("digests differ: %s %s", da, db)
	}
	in2 := in
	in2.epoch = in.epoch.Add(time.Second)
	c, err := assembleImage(in2)
	if err != nil {
		t.Fatal(err)
	}
	if dc, _ := c.Digest(); dc == da {
		t.Fatal("epoch does not change the digest")
	}
}

func TestAssembleImageContents(t *testing.T) {
	in := testInputs(t)
	img, err := assembleImage(in)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("media types: manifest %s config %s", m.MediaType, m.Config.MediaType)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 2 || len(cf.RootFS.DiffIDs) != 2 {
		t.Fatalf("want 2 layers, got %d (%d diffIDs)", len(m.Layers), len(cf.RootFS.DiffIDs))
	}
	for i, p := range []string{in.rootfsTar, in.toolchainTar} {
		f, _ := os.Open(p)
		h, n, _ := v1.SHA256(f)
		f.Close()
		l := m.Layers[i]
		if l.MediaType != types.OCIUncompressedLayer || l.Digest != h || l.Size != n || cf.RootFS.DiffIDs[i] != h {
			t.Errorf("layer %d: %+v diffID %s, want uncompressed %s size %d", i, l, cf.RootFS.DiffIDs[i], h, n)
		}
	}
	wantEnv := []string{
		"GOROOT=/usr/local/go",
		"GOTOOLCHAIN=local",
		"LANG=C.UTF-8",
		"PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	}
	if !slices.Equal(cf.Config.Env, wantEnv) {
		t.Errorf("env %q", cf.Config.Env)
	}
	if cf.Architecture != "amd64" || cf.OS != "linux" || cf.Config.WorkingDir != "/" {
		t.Errorf("platform %s/%s workdir %q", cf.OS, cf.Architecture, cf.Config.WorkingDir)
	}
	if !cf.Created.Equal(in.epoch) {
		t.Errorf("created %v", cf.Created)
	}
	if len(cf.History) != 2 {
		t.Fatalf("history %+v", cf.History)
	}
	for _, h := range cf.History {
		if !h.Created.Equal(in.epoch) || h.EmptyLayer {
			t.Errorf("history %+v", h)
		}
	}
	wantLabels := map[string]string{
		LabelTitle:     "kitbash-sdk",
		LabelCreated:   "2023-11-14T22:13:20Z",
		LabelGoVersion: "1.99.0",
		LabelSuite:     "bookworm",
		LabelPackages:  "base-files=12.4,erofs-utils=1.5-1",
		LabelGoSum:     "h1:abc=",
	}
	for k, v := range wantLabels {
		if cf.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, cf.Config.Labels[k], v)
		}
	}
}

func TestStoreImageAndLoadConfig(t *testing.T) {
	ctx := context.Background()
	in := testInputs(t)
	store, err := ocistore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := storeImage(ctx, store, in)
	if err != nil {
		t.Fatal(err)
	}
	d, err := store.Resolve(ImageName("kitbash-sdk", res.Digest))
	if err != nil {
		t.Fatal(err)
	}
	if d.Digest != res.Digest || res.Name != "kitbash-sdk" || !slices.Equal(res.Packages, in.packages) {
		t.Fatalf("result %+v, index %+v", res, d)
	}
	var want int64 = d.Size
	img, _ := store.Image(res.Digest)
	m, _ := img.Manifest()
	want += m.Config.Size + m.Layers[0].Size + m.Layers[1].Size
	if res.Size != want {
		t.Errorf("size %d, want %d", res.Size, want)
	}
	cfg, err := LoadConfig(store, res.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(cfg.Env) || len(cfg.Env) != 4 || cfg.WorkingDir != "/" {
		t.Errorf("config %+v", cfg)
	}
}

func TestImageName(t *testing.T) {
	h := v1.Hash{Algorithm: "sha256", Hex: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	if got := ImageName("kitbash-sdk", h); got != "kitbash-sdk@sha256:"+h.Hex {
		t.Fatalf("ImageName = %q", got)
	}
}
