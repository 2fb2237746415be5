package sdk

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMmdebstrapArgs(t *testing.T) {
	args := mmdebstrapArgs(rootfsJob{
		spec:    Spec{Name: "sdk", Suite: "bookworm", GoVersion: "1.26.8", Packages: []string{"zstd", "erofs-utils", "zstd"}},
		out:     "/w/rootfs.tar",
		pkgList: "/w/packages.txt",
		debsIn:  "/c/debs",
		debsOut: "/c/debs-incoming-1",
		sources: []string{"/etc/apt/sources.list.d/debian.sources"},
		aptOpts: []string{`Acquire::Check-Date "false"`},
	})
	for _, want := range []string{
		"--mode=root",
		"--variant=essential",
		"--include=erofs-utils,zstd",
		`--aptopt=Acquire::Check-Date "false"`,
		"--setup-hook=sync-in /c/debs /var/cache/apt/archives/",
		`--setup-hook=chmod 0755 "$1"/var/cache/apt/archives`,
		"--customize-hook=sync-out /var/cache/apt/archives /c/debs-incoming-1",
		"--skip=download/empty",
		"--skip=essential/unlink",
		`--customize-hook=rm -f "$1"/etc/resolv.conf "$1"/etc/hostname`,
	} {
		if !slices.Contains(args, want) {
			t.Errorf("missing %q in %q", want, args)
		}
	}
	tail := args[len(args)-3:]
	if !slices.Equal(tail, []string{"bookworm", "/w/rootfs.tar", "/etc/apt/sources.list.d/debian.sources"}) {
		t.Errorf("positional arguments %q", tail)
	}
	joined := strings.Join(args, "\n")
	if !strings.Contains(joined, `"$1"/etc/apt/sources.list.d/*.sources`) {
		t.Errorf("host apt sources are not removed from the rootfs: %q", args)
	}
	if !strings.Contains(joined, `dpkg-query -W`) || !strings.Contains(joined, `> '/w/packages.txt'`) {
		t.Errorf("no package list hook in %q", args)
	}
}

func TestReadPackageList(t *testing.T) {
	p := filepath.Join(t.TempDir(), "packages.txt")
	os.WriteFile(p, []byte("ii zstd=1.5.4+dfsg2-5\nii base-files=12.4+deb12u5\nrc gone=1.0\n\n"), 0o644)
	got, err := readPackageList(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"base-files=12.4+deb12u5", "zstd=1.5.4+dfsg2-5"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	os.WriteFile(p, nil, 0o644)
	if _, err := readPackageList(p); err == nil {
		t.Fatal("empty package list accepted")
	}
}

func TestSpecValidate(t *testing.T) {
	good := Spec{Name: "kitbash-sdk", Suite: "bookworm", GoVersion: "1.26.8", Packages: []string{"erofs-utils", "zstd=1.5.4+dfsg2-5", "g++"}}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Spec){
		"empty name":    func(s *Spec) { s.Name = "" },
		"upper name":    func(s *Spec) { s.Name = "SDK" },
		"no suite":      func(s *Spec) { s.Suite = "" },
		"bad go":        func(s *Spec) { s.GoVersion = "go1.26" },
		"comma package": func(s *Spec) { s.Packages = []string{"a,b"} },
		"space package": func(s *Spec) { s.Packages = []string{"erofs-utils zstd"} },
		"empty version": func(s *Spec) { s.Packages = []string{"zstd="} },
	} {
		s := good
		mutate(&s)
		if err := s.validate(); err == nil {
			t.Errorf("%s: accepted %+v", name, s)
		}
	}
}

func TestOptionsRequired(t *testing.T) {
	if _, err := newConfig(nil); err == nil {
		t.Error("config without SOURCE_DATE_EPOCH accepted")
	}
	if _, err := newConfig([]Option{WithSourceDateEpoch(1)}); err == nil {
		t.Error("config without cache dir accepted")
	}
	if _, err := newConfig([]Option{WithSourceDateEpoch(1), WithCacheDir("/tmp/a b")}); err == nil {
		t.Error("cache dir with a space accepted")
	}
	c, err := newConfig([]Option{WithSourceDateEpoch(0), WithCacheDir("/tmp/c")})
	if err != nil || c.goCommand != "go" || c.mmdebstrap != "mmdebstrap" {
		t.Errorf("defaults: %+v %v", c, err)
	}
}

func TestStoreDebs(t *testing.T) {
	dir := t.TempDir()
	in, debs := filepath.Join(dir, "in"), filepath.Join(dir, "debs")
	os.MkdirAll(filepath.Join(in, "partial"), 0o755)
	os.MkdirAll(debs, 0o755)
	os.WriteFile(filepath.Join(in, "a_1_amd64.deb"), []byte("new"), 0o644)
	os.WriteFile(filepath.Join(in, "b_1_amd64.deb"), []byte("new"), 0o644)
	os.WriteFile(filepath.Join(in, "lock"), nil, 0o644)
	os.WriteFile(filepath.Join(debs, "b_1_amd64.deb"), []byte("old"), 0o644)
	if err := storeDebs(in, debs); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(debs)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"a_1_amd64.deb", "b_1_amd64.deb"}) {
		t.Errorf("cache holds %q", names)
	}
	if b, _ := os.ReadFile(filepath.Join(debs, "b_1_amd64.deb")); string(b) != "old" {
		t.Error("an existing cached package was overwritten")
	}
}
