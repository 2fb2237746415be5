package initramfs

import (
	"bytes"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const testRelease = "6.1.0-56-cloud-amd64"

// fakeModules writes a lib/modules/<release> look-alike: each module file holds its
// own path, so a test can tell them apart.
func fakeModules(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"modules.dep": `kernel/drivers/md/dm-mod.ko:
kernel/drivers/md/dm-bufio.ko: kernel/drivers/md/dm-mod.ko
kernel/drivers/md/dm-verity.ko: kernel/drivers/md/dm-bufio.ko kernel/drivers/md/dm-mod.ko
kernel/lib/libcrc32c.ko:
kernel/fs/erofs/erofs.ko: kernel/lib/libcrc32c.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/unused.ko: kernel/drivers/virtio/virtio.ko
`,
		"modules.builtin": "kernel/fs/ext4/ext4.ko\nkernel/crypto/sha256_generic.ko\nkernel/fs/jbd2/jbd2.ko\n",
		"modules.order": "kernel/drivers/md/dm-mod.ko\nkernel/drivers/md/dm-bufio.ko\nkernel/drivers/md/dm-verity.ko\n" +
			"kernel/drivers/net/unused.ko\nkernel/lib/libcrc32c.ko\nkernel/fs/erofs/erofs.ko\n",
	}
	for _, p := range []string{
		"kernel/drivers/md/dm-mod.ko", "kernel/drivers/md/dm-bufio.ko", "kernel/drivers/md/dm-verity.ko",
		"kernel/lib/libcrc32c.ko", "kernel/fs/erofs/erofs.ko", "kernel/drivers/virtio/virtio_ring.ko",
		"kernel/drivers/virtio/virtio.ko", "kernel/drivers/block/virtio_blk.ko", "kernel/drivers/net/unused.ko",
	} {
		files[p] = "module " + p
	}
	for p, s := range files {
		f := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testSpec(t *testing.T) Spec {
	return Spec{
		Init:          []byte("\x7fELF fake init"),
		KernelRelease: testRelease,
		ModulesDir:    fakeModules(t),
		Modules:       []string{"dm-verity", "erofs", "ext4"},
		Optional:      []string{"nvme", "virtio-blk"},
		Extra: []Entry{
			{Path: "/sbin/mkfs.ext4", Mode: 0o755, Data: []byte("mkfs")},
			{Path: "/lib/x86_64-linux-gnu/libext2fs.so.2", Mode: fs.ModeSymlink, Link: "libext2fs.so.2.4"},
			{Path: "/lib/x86_64-linux-gnu/libext2fs.so.2.4", Mode: 0o644, Data: []byte("lib")},
			{Path: "/lib64/ld-linux-x86-64.so.2", Mode: fs.ModeSymlink, Link: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
			{Path: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", Mode: 0o755, Data: []byte("ld")},
			{Path: "/etc", Mode: fs.ModeDir | 0o755},
			{Path: "/dev", Mode: fs.ModeDir | 0o755}, // same as Build's: merged
		},
	}
}

func byPath(es []Entry) map[string]Entry {
	m := map[string]Entry{}
	for _, e := range es {
		m[e.Path] = e
	}
	return m
}

func TestModuleClosure(t *testing.T) {
	dep, err := os.ReadFile(filepath.Join(fakeModules(t), "modules.dep"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseModulesDep(dep)
	if err != nil {
		t.Fatal(err)
	}
	builtin := map[string]bool{"ext4": true, "sha256_generic": true}
	sel, err := m.closure(builtin, []string{"dm-verity", "ext4", "erofs"}, []string{"nvme", "virtio_blk", "dm_mod"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range sel {
		got = append(got, l.name)
	}
	want := []string{"dm_mod", "dm_bufio", "dm_verity", "libcrc32c", "erofs", "virtio_ring", "virtio", "virtio_blk"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("closure %q, want %q", got, want)
	}

	for name, req := range map[string][]string{
		"missing": {"nvme"},
		"dep":     {"broken"},
		"cycle":   {"a"},
	} {
		m, err := parseModulesDep([]byte("a.ko: b.ko\nb.ko: a.ko\nbroken.ko: gone.ko\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.closure(nil, req, nil); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	for _, bad := range []string{"nocolon.ko\n", "/lib/modules/x/a.ko:\n", "../a.ko:\n", "a.ko:\na.ko:\n"} {
		if _, err := parseModulesDep([]byte(bad)); err == nil {
			t.Errorf("modules.dep %q: no error", bad)
		}
	}
}

func TestBuild(t *testing.T) {
	es, err := Build(testSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	m := byPath(es)
	dir := "lib/modules/" + testRelease + "/"
	for p, mode := range map[string]fs.FileMode{
		"init":                                 0o755,
		"kitbash-initramfs":                    0o644,
		"dev/console":                          fs.ModeDevice | fs.ModeCharDevice | 0o600,
		"proc":                                 fs.ModeDir | 0o755,
		"sys":                                  fs.ModeDir | 0o755,
		"dev":                                  fs.ModeDir | 0o755,
		"newroot":                              fs.ModeDir | 0o755,
		"run":                                  fs.ModeDir | 0o755,
		"tmp":                                  fs.ModeDir | fs.ModeSticky | 0o777,
		"sbin/mkfs.ext4":                       0o755,
		"lib64":                                fs.ModeDir | 0o755,
		dir + "kernel/drivers/md/dm-verity.ko": 0o644,
	} {
		if e, ok := m[p]; !ok || e.Mode != mode {
			t.Errorf("%s: %v (present %v), want %v", p, e.Mode, ok, mode)
		}
	}
	if e := m["dev/console"]; e.Rdev != (Device{5, 1}) {
		t.Errorf("dev/console is %v", e.Rdev)
	}
	if string(m["init"].Data) != "\x7fELF fake init" {
		t.Errorf("init holds %q", m["init"].Data)
	}

	var mods []string
	for _, e := range es {
		if strings.HasSuffix(e.Path, ".ko") {
			if string(e.Data) != "module "+strings.TrimPrefix(e.Path, dir) {
				t.Errorf("%s holds %q", e.Path, e.Data)
			}
			mods = append(mods, strings.TrimPrefix(e.Path, dir))
		}
	}
	wantMods := []string{
		"kernel/drivers/block/virtio_blk.ko", "kernel/drivers/md/dm-bufio.ko", "kernel/drivers/md/dm-mod.ko",
		"kernel/drivers/md/dm-verity.ko", "kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_ring.ko",
		"kernel/fs/erofs/erofs.ko", "kernel/lib/libcrc32c.ko",
	}
	if !reflect.DeepEqual(mods, wantMods) {
		t.Errorf("modules %q\nwant %q", mods, wantMods)
	}
	for name, want := range map[string]string{
		"modules.dep": `kernel/drivers/md/dm-mod.ko:
kernel/drivers/md/dm-bufio.ko: kernel/drivers/md/dm-mod.ko
kernel/drivers/md/dm-verity.ko: kernel/drivers/md/dm-bufio.ko kernel/drivers/md/dm-mod.ko
kernel/lib/libcrc32c.ko:
kernel/fs/erofs/erofs.ko: kernel/lib/libcrc32c.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
`,
		"modules.builtin": "kernel/fs/ext4/ext4.ko\n",
		"modules.order": "kernel/drivers/md/dm-mod.ko\nkernel/drivers/md/dm-bufio.ko\nkernel/drivers/md/dm-verity.ko\n" +
			"kernel/lib/libcrc32c.ko\nkernel/fs/erofs/erofs.ko\n",
	} {
		if got := string(m[dir+name].Data); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
		}
	}
}

func TestBuildWithoutOptionalIndexes(t *testing.T) {
	s := testSpec(t)
	for _, f := range []string{"modules.builtin", "modules.order"} {
		if err := os.Remove(filepath.Join(s.ModulesDir, f)); err != nil {
			t.Fatal(err)
		}
	}
	s.Modules = []string{"dm-verity"}
	es, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	m := byPath(es)
	dir := "lib/modules/" + testRelease + "/"
	if _, ok := m[dir+"modules.dep"]; !ok {
		t.Error("no modules.dep")
	}
	for _, f := range []string{"modules.builtin", "modules.order"} {
		if _, ok := m[dir+f]; ok {
			t.Errorf("%s made up", f)
		}
	}
}

func TestBuildDeterministic(t *testing.T) {
	s := testSpec(t)
	want := writeBuild(t, s)
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		s.Extra = append([]Entry(nil), s.Extra...)
		r.Shuffle(len(s.Extra), func(i, j int) { s.Extra[i], s.Extra[j] = s.Extra[j], s.Extra[i] })
		s.Modules = append([]string(nil), s.Modules...)
		r.Shuffle(len(s.Modules), func(i, j int) { s.Modules[i], s.Modules[j] = s.Modules[j], s.Modules[i] })
		if got := writeBuild(t, s); !bytes.Equal(got, want) {
			t.Fatalf("Extra %v gives other bytes", s.Extra)
		}
	}
	// Every member decodes, inodes follow the order.
	for i, m := range readNewc(t, want) {
		if m.ino != uint32(i+1) {
			t.Fatalf("%s has inode %d", m.name, m.ino)
		}
	}
}

func writeBuild(t *testing.T, s Spec) []byte {
	t.Helper()
	es, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return writeCPIO(t, es)
}

func TestBuildErrors(t *testing.T) {
	for name, change := range map[string]func(*Spec){
		"no init":          func(s *Spec) { s.Init = nil },
		"no release":       func(s *Spec) { s.KernelRelease = "" },
		"release path":     func(s *Spec) { s.KernelRelease = "../6.1" },
		"no modules dir":   func(s *Spec) { s.ModulesDir = filepath.Join(s.ModulesDir, "nope") },
		"unknown module":   func(s *Spec) { s.Modules = append(s.Modules, "nvme") },
		"missing .ko file": func(s *Spec) { os.Remove(filepath.Join(s.ModulesDir, "kernel/fs/erofs/erofs.ko")) },
		"extra clashes":    func(s *Spec) { s.Extra = append(s.Extra, Entry{Path: "/init", Mode: 0o755}) },
		"extra over dir":   func(s *Spec) { s.Extra = append(s.Extra, Entry{Path: "/lib", Mode: fs.ModeSymlink, Link: "usr/lib"}) },
	} {
		s := testSpec(t)
		change(&s)
		_, err := Build(s)
		if err == nil || !strings.HasPrefix(err.Error(), "initramfs: ") {
			t.Errorf("%s: err %v", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
