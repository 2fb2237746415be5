package kitsrc

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/pkgbuild"
	"syscall"
)

func TestUnpackGivesTheSamePathDigests(t *testing.T) {
	root := fixture(t)
	os.Chmod(filepath.Join(root, "agents/empty"), 0o500) // a read-only folder comes back read-only
	b := packFixture(t, root, WithEpoch(1700000000))
	dir := filepath.Join(t.TempDir(), "src")
	old := syscall.Umask(0o077) // a strict umask must not change a mode
	err := Unpack(b, dir)
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"agents", "specs/agents", "specs/agents/files", "Kitbash.yaml", "Kitbash.lock", "kits/core/kit.yaml"} {
		want, err := pkgbuild.PathDigest(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		got, err := pkgbuild.PathDigest(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: path digest %s after unpacking, %s before", p, got, want)
		}
	}
	for _, p := range []string{"agents", "agents/go.mod", "agents/empty"} {
		if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || fi.ModTime().Unix() != 1700000000 {
			t.Errorf("%s: not dated by the epoch: %v %v", p, fi.ModTime(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "specs/other")); err == nil {
		t.Error("specs/other was unpacked")
	}
	// Packing the unpacked project again gives the same bytes.
	if again := packFixture(t, dir, WithEpoch(1700000000)); string(again) != string(b) {
		t.Error("pack(unpack(x)) != x")
	}
	if err := Unpack(b, dir); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("unpack over files: %v", err)
	}
}

func TestUnpackRefusesUnsafeEntries(t *testing.T) {
	cases := map[string]struct {
		headers []*tar.Header
		want    string
	}{
		"parent":         {[]*tar.Header{{Name: "../evil", Typeflag: tar.TypeReg, Mode: 0o644}}, "not a clean path"},
		"absolute":       {[]*tar.Header{{Name: "/etc/evil", Typeflag: tar.TypeReg, Mode: 0o644}}, "not a clean path"},
		"unclean":        {[]*tar.Header{{Name: "a/../../evil", Typeflag: tar.TypeReg, Mode: 0o644}}, "not a clean path"},
		"escaping link":  {[]*tar.Header{{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "../../etc"}}, "outside the project"},
		"absolute link":  {[]*tar.Header{{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc"}}, "outside the project"},
		"through a link": {[]*tar.Header{{Name: "d", Typeflag: tar.TypeDir, Mode: 0o755}, {Name: "l", Typeflag: tar.TypeSymlink, Linkname: "d"}, {Name: "l/x", Typeflag: tar.TypeReg, Mode: 0o644}}, "not a folder"},
		"twice":          {[]*tar.Header{{Name: "f", Typeflag: tar.TypeReg, Mode: 0o644}, {Name: "f", Typeflag: tar.TypeReg, Mode: 0o644}}, "file exists"},
		"device":         {[]*tar.Header{{Name: "dev", Typeflag: tar.TypeChar, Mode: 0o644}}, "not a file, folder or link"},
		"hard link":      {[]*tar.Header{{Name: "f", Typeflag: tar.TypeReg, Mode: 0o644}, {Name: "h", Typeflag: tar.TypeLink, Linkname: "f"}}, "not a file, folder or link"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "src")
			err := Unpack(tarOf(t, c.headers...), dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if _, err := os.Lstat(filepath.Join(base, "evil")); err == nil {
				t.Fatal("a file was written outside the folder")
			}
		})
	}
	// Special bits are dropped.
	dir := filepath.Join(t.TempDir(), "src")
	if err := Unpack(tarOf(t, &tar.Header{Name: "suid", Typeflag: tar.TypeReg, Mode: 0o4755}), dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "suid")); fi.Mode() != 0o755 {
		t.Fatalf("mode %s", fi.Mode())
	}
}
