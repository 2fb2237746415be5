package assemble

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/kitbash-dev/kitbash/builder/image/gpt"
	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/variant"
)

// fakeRunner stands in for the SDK: it writes outputs derived from its inputs, so the
// Go half of the pipeline runs without an engine. It records the steps it ran.
type fakeRunner struct {
	steps []string
	fail  string // a step name containing this fails
}

func (f *fakeRunner) Run(_ context.Context, name, script string, env map[string]string, inputs map[string]string, outDir string) error {
	f.steps = append(f.steps, name)
	if f.fail != "" && strings.Contains(name, f.fail) {
		return errors.New("step failed")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	switch {
	case strings.Contains(name, "erofs"):
		rootfs, err := os.ReadFile(filepath.Join(inputs["rootfs"], "rootfs.tar"))
		if err != nil {
			return err
		}
		// "erofs": the rootfs tar padded to whole 4096-byte blocks
		img := append(rootfs, make([]byte, (4096-len(rootfs)%4096)%4096)...)
		if err := os.WriteFile(filepath.Join(outDir, "root.erofs"), img, 0o644); err != nil {
			return err
		}
		priv := make([]byte, 1<<20)
		copy(priv, env["PRIVATE_UUID"])
		if err := os.WriteFile(filepath.Join(outDir, "private.img"), priv, 0o644); err != nil {
			return err
		}
		return writeTree(filepath.Join(outDir, "initramfs"), map[string]string{"sbin/mkfs.ext4": "mkfs", "etc/mke2fs.conf": "conf"})
	case strings.Contains(name, "ESP"):
		var buf bytes.Buffer
		buf.WriteString(env["ESP_VOLID"])
		err := filepath.Walk(inputs["esp"], func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			buf.WriteString(p[len(inputs["esp"]):])
			buf.Write(b)
			return err
		})
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(outDir, "esp.img"), buf.Bytes(), 0o644)
	}
	return errors.New("unknown step " + name)
}

func writeTree(dir string, files map[string]string) error {
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(c), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// pkgTar writes a package tar with files (path → content; "dir/" entries are
// directories) and returns its Package.
func pkgTar(t *testing.T, dir, name string, files []string, content map[string]string) Package {
	t.Helper()
	p := filepath.Join(dir, name+".tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f, Mode: 0o755, ModTime: time.Unix(0, 0), Typeflag: tar.TypeDir}
		if !strings.HasSuffix(f, "/") {
			h = &tar.Header{Name: f, Mode: 0o755, ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Size: int64(len(content[f]))}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(content[f]))
		}
	}
	tw.Close()
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return Package{Tar: p, Manifest: pkg.Manifest{Name: name, Version: "1.0", Release: 1, Arch: "x86_64", Licenses: []string{"MIT"},
		Files: pkg.FilesSummary{Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(buf.Len())}}}
}

func testInput(t *testing.T) Input {
	dir := t.TempDir()
	rel := "6.1.0-test"
	mods := "usr/lib/modules/" + rel + "/"
	kernel := pkgTar(t, dir, "kernel", []string{"boot/", "boot/vmlinuz", "usr/", "usr/share/", "usr/share/kitbash/", "usr/share/kitbash/kernel-release",
		"usr/lib/", mods, mods + "modules.dep", mods + "modules.builtin"},
		map[string]string{"boot/vmlinuz": "KERNEL", "usr/share/kitbash/kernel-release": rel + "\n",
			mods + "modules.dep":     "",
			mods + "modules.builtin": "kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/block/virtio_blk.ko\nkernel/drivers/md/dm-verity.ko\nkernel/fs/erofs/erofs.ko\nkernel/fs/ext4/ext4.ko\n"})
	agents := pkgTar(t, dir, "agents", []string{"usr/", "usr/bin/", "usr/bin/init"}, map[string]string{"usr/bin/init": "INIT"})
	fsPkg := pkgTar(t, dir, "filesystem", []string{"etc/", "usr/", "usr/lib/", "usr/lib/os-release"}, map[string]string{"usr/lib/os-release": "ID=kitbash\n"})
	on := true
	v := &variant.Spec{SchemaVersion: 1, Name: "dev", Summary: "test variant", Kits: []string{"core"}, Packages: []string{"agents"},
		Kernel:   variant.Kernel{Package: "kernel", Parameters: []string{"console=ttyS0"}},
		Layout:   variant.Layout{DiskSize: 256 << 20, ESPSize: 8 << 20, RootSize: 32 << 20, PrivateSize: 1 << 20, Updates: &on},
		Settings: map[string]any{"motd": "hi", "net": map[string]any{"mtu": 1400}},
		Services: map[string]variant.Service{"hello": {Command: []string{"/usr/bin/true"}, Oneshot: true}},
	}
	return Input{Variant: v, Version: "0.1.0", Packages: []Package{fsPkg, agents, kernel}, SDK: "sha256:" + strings.Repeat("0", 64)}
}

func build(t *testing.T, in Input, out string, r Runner) *imageinfo.Image {
	t.Helper()
	im, err := Build(context.Background(), in, out, WithRunner(r), WithEpoch(time.Unix(1700000000, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func TestBuildLayoutAndOutputs(t *testing.T) {
	in := testInput(t)
	out := filepath.Join(t.TempDir(), "images", "dev", "0.1.0")
	r := &fakeRunner{}
	im := build(t, in, out, r)
	if len(r.steps) != 2 {
		t.Fatalf("SDK steps %q, want erofs and ESP", r.steps)
	}
	read, err := imageinfo.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if read.Disk != "dev-0.1.0.img" || read.BuildID != im.BuildID || len(read.BuildID) != 12 {
		t.Fatalf("image.json: %+v", read)
	}
	f, err := os.Open(filepath.Join(out, read.Disk))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table, err := gpt.Read(f, read.DiskSize)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range table.Partitions {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "ESP ROOT-A HASH-A ROOT-B HASH-B PRIVATE DATA" {
		t.Fatalf("partitions %s", got)
	}
	types := map[string][16]byte{"ESP": gpt.TypeESP(), "ROOT-A": gpt.TypeRootAMD64(), "HASH-A": gpt.TypeRootVerityAMD64(),
		"ROOT-B": gpt.TypeRootAMD64(), "HASH-B": gpt.TypeRootVerityAMD64(), "PRIVATE": gpt.TypeLinux(), "DATA": gpt.TypeLinux()}
	for _, p := range table.Partitions {
		if p.Type != types[p.Name] {
			t.Errorf("%s has type %s", p.Name, gpt.GUIDString(p.Type))
		}
		if p.GUID != gpt.DeriveGUID("kitbash-disk/dev", p.Name) {
			t.Errorf("%s GUID %s is not derived from the variant", p.Name, gpt.GUIDString(p.GUID))
		}
	}
	// ROOT-A holds the root image; slot B is empty
	rootA, _ := read.Partition("ROOT-A")
	rootB, _ := read.Partition("ROOT-B")
	if rootA.Used == 0 || rootB.Used != 0 {
		t.Fatalf("ROOT-A used %d, ROOT-B used %d", rootA.Used, rootB.Used)
	}
	b := make([]byte, rootB.Size)
	if _, err := f.ReadAt(b, rootB.Offset); err != nil {
		t.Fatal(err)
	}
	if !allZero(b) {
		t.Fatal("ROOT-B is not empty")
	}
	a, _ := read.Slot("a")
	bslot, _ := read.Slot("b")
	if !a.Filled || bslot.Filled || a.Entry != "kitbash-a.conf" {
		t.Fatalf("slots %+v", read.Slots)
	}
	for _, want := range []string{"console=ttyS0 ", "kitbash.roothash=" + a.RootHash, "kitbash.root=PARTUUID=" + rootA.GUID} {
		if !strings.Contains(a.Cmdline, want) {
			t.Errorf("cmdline %q lacks %q", a.Cmdline, want)
		}
	}
	// update images decompress to the partitions' contents
	zb, err := os.ReadFile(filepath.Join(out, read.Updates["root"].Path))
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := zstd.NewReader(nil)
	root, err := dec.DecodeAll(zb, nil)
	if err != nil {
		t.Fatal(err)
	}
	onDisk := make([]byte, len(root))
	f.ReadAt(onDisk, rootA.Offset)
	if !bytes.Equal(root, onDisk) || int64(len(root)) != rootA.Used {
		t.Fatal("root update image differs from ROOT-A")
	}
	// SHA256SUMS names every output
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{read.Disk, read.SBOM, "image.json", read.Updates["root"].Path, read.Updates["hash"].Path, read.Updates["boot"].Path} {
		if !strings.Contains(string(sums), "  "+n+"\n") {
			t.Errorf("SHA256SUMS lacks %s:\n%s", n, sums)
		}
	}
	var sbom struct{ Packages []struct{ Name string } }
	sb, _ := os.ReadFile(filepath.Join(out, read.SBOM))
	if err := json.Unmarshal(sb, &sbom); err != nil || len(sbom.Packages) < 3 {
		t.Fatalf("SBOM: %v %s", err, sb)
	}
}

func TestBuildIsReproducible(t *testing.T) {
	in := testInput(t)
	var sums [2][]byte
	for i := range sums {
		out := filepath.Join(t.TempDir(), "x", "dev", "0.1.0")
		build(t, in, out, &fakeRunner{})
		b, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
		if err != nil {
			t.Fatal(err)
		}
		sums[i] = b
	}
	if !bytes.Equal(sums[0], sums[1]) {
		t.Fatalf("two builds differ:\n%s\n%s", sums[0], sums[1])
	}
}

func TestBuildFailureKeepsOldImage(t *testing.T) {
	in := testInput(t)
	out := filepath.Join(t.TempDir(), "dev", "0.1.0")
	build(t, in, out, &fakeRunner{})
	before, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	in.Version = "0.1.0"
	in.Variant.Settings["motd"] = "changed"
	_, err := Build(context.Background(), in, out, WithRunner(&fakeRunner{fail: "ESP"}), WithEpoch(time.Unix(1, 0)))
	if err == nil || !strings.Contains(err.Error(), "step failed") {
		t.Fatalf("err = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if !bytes.Equal(before, after) {
		t.Fatal("a failed build changed the previous image")
	}
	if _, err := os.Stat(out + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("partial output left behind: %v", err)
	}
}

func TestRootTooBigNamesTheField(t *testing.T) {
	in := testInput(t)
	in.Packages[1] = pkgTar(t, t.TempDir(), "agents", []string{"usr/", "usr/bin/", "usr/bin/init", "usr/bin/big"},
		map[string]string{"usr/bin/init": "INIT", "usr/bin/big": strings.Repeat("x", 33<<20)})
	_, err := Build(context.Background(), in, filepath.Join(t.TempDir(), "o"), WithRunner(&fakeRunner{}), WithEpoch(time.Unix(1, 0)))
	if err == nil || !strings.Contains(err.Error(), "root-size") {
		t.Fatalf("err = %v", err)
	}
}

func TestExtraFiles(t *testing.T) {
	in := testInput(t)
	migrations := []variant.Migration{{Version: "0.1.0", Data: []byte("m1")}, {Version: "0.2.0", Data: []byte("m2")}}
	files, err := extraFiles(in.Variant, "0.1.0", "abc", []byte(`{"signed":{}}`), migrations)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = string(f.Data)
	}
	for _, want := range []string{"VARIANT_ID=dev\n", "VERSION_ID=0.1.0\n", "BUILD_ID=abc\n"} {
		if !strings.Contains(got[osReleasePath], want) {
			t.Errorf("os-release lacks %q:\n%s", want, got[osReleasePath])
		}
	}
	var defs struct{ Defaults map[string]any }
	if err := json.Unmarshal([]byte(got[settingsDefaultPath]), &defs); err != nil {
		t.Fatal(err)
	}
	if defs.Defaults["motd"] != "hi" || defs.Defaults["net.mtu"] != float64(1400) {
		t.Fatalf("defaults %v", defs.Defaults)
	}
	if got[variant.UpdateRootPath] != `{"signed":{}}` {
		t.Fatalf("update root: %q", got[variant.UpdateRootPath])
	}
	if !strings.Contains(got["usr/lib/kitbash/services/hello.json"], `"oneshot": true`) {
		t.Fatalf("service file: %q", got["usr/lib/kitbash/services/hello.json"])
	}
	// the image carries the migrations of its version and older, not newer ones
	if got[variant.MigrationsPath+"/0.1.0.json"] != "m1" {
		t.Fatalf("migration 0.1.0: %q", got[variant.MigrationsPath+"/0.1.0.json"])
	}
	if _, ok := got[variant.MigrationsPath+"/0.2.0.json"]; ok {
		t.Fatal("an 0.1.0 image carries 0.2.0's migration")
	}
}

func TestMigrationsPublishedWithTheImage(t *testing.T) {
	in := testInput(t)
	in.Version = "0.2.0"
	in.Migrations = []variant.Migration{{Version: "0.2.0", Data: []byte(`{"m":2}`)}, {Version: "0.3.0", Data: []byte(`{"m":3}`)}}
	out := filepath.Join(t.TempDir(), "img")
	im := build(t, in, out, &fakeRunner{})
	f, ok := im.Migrations["0.2.0"]
	if !ok || f.Path != "dev-0.2.0-migration.json" || len(im.Migrations) != 1 {
		t.Fatalf("image.json migrations %+v", im.Migrations)
	}
	if b, err := os.ReadFile(filepath.Join(out, f.Path)); err != nil || string(b) != `{"m":2}` {
		t.Fatalf("%s: %q %v", f.Path, b, err)
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil || !strings.Contains(string(sums), f.Sha256+"  "+f.Path) {
		t.Fatalf("SHA256SUMS lacks %s:\n%s", f.Path, sums)
	}
	// a changed migration is a changed image
	in2 := in
	in2.Migrations = []variant.Migration{{Version: "0.2.0", Data: []byte(`{"m":22}`)}}
	a, _ := buildID(in)
	b, _ := buildID(in2)
	if a == b {
		t.Fatal("build id ignores the migrations")
	}
}
