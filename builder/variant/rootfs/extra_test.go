package rootfs

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"math/rand/v2"
	"strings"
	"testing"
)

func filesystemPkg(t *testing.T) Package {
	return mkPkg(t, "filesystem", dir("etc/", 0o755), symlink("etc/os-release", "../usr/lib/os-release"),
		reg("etc/hostname", "kitbash\n"), dir("usr/", 0o755), dir("usr/lib/", 0o755),
		reg("usr/lib/os-release", "NAME=generic\n"))
}

func TestExtraFiles(t *testing.T) {
	fsys := filesystemPkg(t)
	out, res := assemble(t, []Package{fsys}, WithFiles(
		File{Path: "/usr/lib/os-release", Mode: 0o644, Data: []byte("NAME=Kitbash\nVARIANT_ID=aws-k8s\n")},
		File{Path: "etc/hostname", Mode: 0o644, Data: []byte("kitbash\n")}, // the same as the package's
		File{Path: "etc/kitbash/settings.toml", Mode: 0o600, UID: 1000, GID: 1000, Data: []byte("x = 1\n")},
		File{Path: "usr/lib/systemd/system/settingsd.service", Mode: 0o644, Data: []byte("[Unit]\n")},
		File{Path: "etc/systemd/system/multi-user.target.wants/settingsd.service", Mode: fs.ModeSymlink | 0o777,
			Link: "/usr/lib/systemd/system/settingsd.service"},
		File{Path: "var/lib/kitbash", Mode: fs.ModeDir | fs.ModeSetgid | 0o750},
	))
	es := readTar(t, out)
	if e := find(t, es, "usr/lib/os-release"); !strings.Contains(e.body, "Kitbash") {
		t.Errorf("os-release not replaced: %q", e.body)
	}
	if e := find(t, es, "etc/kitbash/settings.toml"); e.hdr.Mode != 0o600 || e.hdr.Uid != 1000 || e.hdr.Gid != 1000 || e.body != "x = 1\n" {
		t.Errorf("settings: %+v %q", e.hdr, e.body)
	}
	if e := find(t, es, "etc/systemd/system/multi-user.target.wants/settingsd.service"); e.hdr.Typeflag != tar.TypeSymlink ||
		e.hdr.Linkname != "/usr/lib/systemd/system/settingsd.service" {
		t.Errorf("service link: %+v", e.hdr)
	}
	if e := find(t, es, "var/lib/kitbash/"); e.hdr.Mode != 0o2750 {
		t.Errorf("var/lib/kitbash mode %o, want 2750", e.hdr.Mode)
	}
	find(t, es, "etc/kitbash/") // implied
	for p, owner := range map[string]string{"usr/lib/os-release": ExtraOwner, "etc/hostname": "filesystem",
		"etc/kitbash/settings.toml": ExtraOwner, "etc/kitbash": "", "etc/os-release": "filesystem"} {
		if got := res.Owners[p]; got != owner {
			t.Errorf("owner of %s: %q, want %q", p, got, owner)
		}
	}
}

func TestExtraFileConflicts(t *testing.T) {
	fsys := filesystemPkg(t)
	err := mustFail(t, []Package{fsys}, []string{"extra file etc/hostname", "filesystem installs", "fix:", "os-release"},
		WithFiles(File{Path: "etc/hostname", Mode: 0o644, Data: []byte("other\n")}))
	if c := asConflict(t, err); c.Path != "etc/hostname" || c.First != "filesystem" || c.Second != ExtraOwner {
		t.Errorf("conflict %+v", c)
	}
	mustFail(t, []Package{fsys}, []string{"extra file etc/hostname", "0600"},
		WithFiles(File{Path: "etc/hostname", Mode: 0o600, Data: []byte("kitbash\n")}))
	mustFail(t, []Package{fsys}, []string{"directory usr/lib", "0700", "in the variant's extra files", "in filesystem"},
		WithFiles(File{Path: "usr/lib", Mode: fs.ModeDir | 0o700}))
	mustFail(t, []Package{fsys}, []string{"extra file usr is a regular file", "a directory"},
		WithFiles(File{Path: "usr", Mode: 0o644}))
	mustFail(t, nil, []string{"extra file etc/a is given twice"},
		WithFiles(File{Path: "etc/a", Mode: 0o644}, File{Path: "/etc/a", Mode: 0o644}))
	mustFail(t, nil, []string{"not clean"}, WithFiles(File{Path: "etc/../../x", Mode: 0o644}))
	mustFail(t, nil, []string{"unsupported type"}, WithFiles(File{Path: "dev/null", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666}))
	mustFail(t, nil, []string{"symlink without a target"}, WithFiles(File{Path: "a", Mode: fs.ModeSymlink}))
	mustFail(t, nil, []string{"data given for a directory"}, WithFiles(File{Path: "a", Mode: fs.ModeDir | 0o755, Data: []byte("x")}))
}

func extras() []File {
	return []File{
		{Path: "etc/os-release", Mode: fs.ModeSymlink | 0o777, Link: "../usr/lib/os-release"},
		{Path: "usr/lib/os-release", Mode: 0o644, Data: []byte("NAME=Kitbash\n")},
		{Path: "etc/kitbash/", Mode: fs.ModeDir | 0o750},
		{Path: "etc/kitbash/settings.toml", Mode: 0o640, GID: 42, Data: []byte("[settings]\n")},
		{Path: "etc/kitbash/defaults.d/10-variant.toml", Mode: 0o644, Data: []byte("a = 1\n")},
		{Path: "usr/lib/systemd/system/settingsd.service", Mode: 0o644, Data: []byte("[Unit]\n")},
		{Path: "run/kitbash.fifo", Mode: fs.ModeNamedPipe | 0o600},
	}
}

func TestDeterministicWithShuffledExtras(t *testing.T) {
	fsys := filesystemPkg(t)
	want, _ := assemble(t, []Package{fsys}, WithFiles(extras()...))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5 {
		files := extras()
		rng.Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
		half := len(files) / 2
		got, _ := assemble(t, []Package{fsys}, WithFiles(files[:half]...), WithFiles(files[half:]...))
		if !bytes.Equal(got, want) {
			t.Fatalf("shuffle %d: the output changed", i)
		}
	}
}
