package initramfs

import (
	"strings"
	"testing"
)

func TestModuleOrder(t *testing.T) {
	cfg := DefaultConfig()
	got, err := ModuleOrder([]byte(modulesMD), []byte(modulesBuiltin), cfg.Modules, cfg.OptionalModules)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range got {
		n := m.Name
		if m.Optional {
			n += "?"
		}
		names = append(names, n)
	}
	// The order proven on the Debian cloud kernel (notes/boot.md); ext4 is built in,
	// nvme is absent and optional.
	want := "virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk " +
		"dm_mod dm_bufio reed_solomon dm_verity libcrc32c erofs sha256_ssse3?"
	if s := strings.Join(names, " "); s != want {
		t.Fatalf("order\n got %s\nwant %s", s, want)
	}
	// Every module once, every dependency before its users.
	pos := map[string]int{}
	for i, m := range got {
		if _, dup := pos[m.Name]; dup {
			t.Fatalf("%s twice", m.Name)
		}
		pos[m.Name] = i
	}
	g, _ := parseModulesDep([]byte(modulesMD))
	for _, m := range got {
		for _, d := range g.deps[m.Name] {
			if pos[d] >= pos[m.Name] {
				t.Errorf("%s loads before its dependency %s", m.Name, d)
			}
		}
	}
}

func TestModuleOrderDetails(t *testing.T) {
	dep := "kernel/a.ko.xz: kernel/b.ko.xz kernel/c-d.ko.xz\nkernel/b.ko.xz: kernel/c-d.ko.xz\nkernel/c-d.ko.xz:\nkernel/opt.ko.zst: kernel/b.ko.xz kernel/only-opt.ko\nkernel/only-opt.ko:\n"
	got, err := ModuleOrder([]byte(dep), nil, []string{"a", "c_d"}, []string{"opt", "missing"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Module{
		{Name: "c_d", Path: "kernel/c-d.ko.xz"},
		{Name: "b", Path: "kernel/b.ko.xz"},
		{Name: "a", Path: "kernel/a.ko.xz"},
		{Name: "only_opt", Path: "kernel/only-opt.ko", Optional: true},
		{Name: "opt", Path: "kernel/opt.ko.zst", Optional: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] got %+v want %+v", i, got[i], want[i])
		}
	}
	if !got[0].Compressed() || got[3].Compressed() {
		t.Error("compression")
	}
	for _, c := range []struct{ dep, want string }{
		{"kernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/a.ko\n", "dependency cycle a -> b -> a"},
		{"kernel/a.ko: kernel/x.ko\n", "module x (needed by a) is neither in modules.dep nor in modules.builtin"},
		{"kernel/z.ko:\n", "module a is neither"},
		{"garbage line\n", "modules.dep:1"},
	} {
		_, err := ModuleOrder([]byte(c.dep), nil, []string{"a"}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v want %q", c.dep, err, c.want)
		}
	}
	// A required module that is built in is skipped, not an error.
	got, err = ModuleOrder([]byte("kernel/z.ko:\n"), []byte("kernel/fs/a.ko\n"), []string{"a"}, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("builtin: %+v %v", got, err)
	}
}
