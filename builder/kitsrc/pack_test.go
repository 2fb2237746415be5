package kitsrc

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/builder/spec"
)

func TestPathsNameWhatTheKitNeeds(t *testing.T) {
	root := fixture(t)
	got, err := Paths(Project{Root: root, Kit: "core", Specs: []*spec.Spec{loadSpec(t, root, "agents")}, Keys: []string{"./keys/core.pub"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "Kitbash.lock Kitbash.yaml agents keys/core.pub kits/core/kit.yaml specs/agents specs/agents/files"
	if strings.Join(got, " ") != want {
		t.Fatalf("paths\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if _, err := Paths(Project{Root: root, Kit: "core", Keys: []string{"../elsewhere.pub"}}); err == nil || !strings.Contains(err.Error(), "not a path inside the project") {
		t.Fatalf("a key outside the project: %v", err)
	}
	if _, err := Paths(Project{Root: "relative", Kit: "core"}); err == nil {
		t.Fatal("a relative root was accepted")
	}
}

func TestPackContents(t *testing.T) {
	root := fixture(t)
	b := packFixture(t, root, WithEpoch(1700000000))
	var names []string
	modes := map[string]int64{}
	for _, h := range headers(t, b) {
		names = append(names, h.Name)
		modes[h.Name] = h.Mode
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d %q:%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("%s: mtime %s", h.Name, h.ModTime)
		}
		if h.Typeflag == tar.TypeSymlink && h.Linkname != "../go.mod" {
			t.Errorf("%s: link to %q", h.Name, h.Linkname)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("entries are not sorted: %v", names)
	}
	want := []string{
		"Kitbash.lock", "Kitbash.yaml", "agents/", "agents/cmd/", "agents/cmd/go.mod.link", "agents/cmd/init/", "agents/cmd/init/main.go",
		"agents/empty/", "agents/go.mod", "agents/vendor/", "agents/vendor/github.com/", "agents/vendor/github.com/klauspost/",
		"agents/vendor/github.com/klauspost/compress/", "agents/vendor/github.com/klauspost/compress/zstd/",
		"agents/vendor/github.com/klauspost/compress/zstd/zstd.go", "agents/vendor/modules.txt", "keys/core.pub", "kits/core/kit.yaml",
		"specs/agents/", "specs/agents/README", "specs/agents/files/", "specs/agents/files/settings.json", "specs/agents/package.yaml",
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("entries\n got %v\nwant %v", names, want)
	}
	if modes["agents/cmd/init/main.go"] != 0o755 || modes["agents/go.mod"] != 0o644 || modes["agents/empty/"] != 0o700 {
		t.Errorf("modes not kept: %v", modes)
	}
	// Excluded: other kits and packages, build outputs, tools, the private key.
	for _, not := range []string{"kits/other", "specs/other", "build/", "bin/", ".tools", "keys/me.key"} {
		if bytes.Contains(b, []byte(not)) {
			t.Errorf("the tar holds %s", not)
		}
	}
	// No host path: the project directory appears nowhere in the bytes.
	if bytes.Contains(b, []byte(root)) || bytes.Contains(b, []byte(filepath.Base(filepath.Dir(root)))) {
		t.Errorf("the tar names the host path %s", root)
	}
}

func TestPackIsDeterministic(t *testing.T) {
	a, b := fixture(t), fixture(t)
	// Other times, another creation order and another umask-made mode on a folder
	// that no path digest sees (the project root) must not matter.
	for _, root := range []string{b} {
		old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { os.Chtimes(p, old, old); return nil })
		os.Chmod(root, 0o700)
	}
	x := packFixture(t, a, WithEpoch(42))
	y := packFixture(t, b, WithEpoch(42))
	if !bytes.Equal(x, y) {
		t.Fatal("the same sources in two places packed differently")
	}
	if z := packFixture(t, a, WithEpoch(42)); !bytes.Equal(x, z) {
		t.Fatal("packing twice gave two tars")
	}
	if z := packFixture(t, a, WithEpoch(43)); bytes.Equal(x, z) {
		t.Fatal("the epoch does not reach the tar")
	}
	// A changed byte in a path source changes the tar.
	write(t, filepath.Join(b, "agents/go.mod"), "module example.org/agentz\n", 0o644)
	if bytes.Equal(x, packFixture(t, b, WithEpoch(42))) {
		t.Fatal("a changed path source packed the same")
	}
}

func TestPackRefuses(t *testing.T) {
	root := fixture(t)
	if _, err := Pack(root, []string{"missing"}); err == nil || !strings.Contains(err.Error(), "missing does not exist") {
		t.Errorf("missing path: %v", err)
	}
	if _, err := Pack(root, []string{"../x"}); err == nil || !strings.Contains(err.Error(), "not a path inside the project") {
		t.Errorf("path outside: %v", err)
	}
	os.Symlink("/etc/passwd", filepath.Join(root, "agents/host"))
	if _, err := Pack(root, []string{"agents"}); err == nil || !strings.Contains(err.Error(), "agents/host is a link to /etc/passwd, outside the project") {
		t.Errorf("absolute link: %v", err)
	}
	os.Remove(filepath.Join(root, "agents/host"))
	os.Symlink("../../../up", filepath.Join(root, "agents/cmd/up"))
	if _, err := Pack(root, []string{"agents"}); err == nil || !strings.Contains(err.Error(), "outside the project") {
		t.Errorf("escaping link: %v", err)
	}
	os.Remove(filepath.Join(root, "agents/cmd/up"))
	if err := syscall.Mkfifo(filepath.Join(root, "agents/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Pack(root, []string{"agents"}); err == nil || !strings.Contains(err.Error(), "agents/fifo is a named pipe") {
		t.Errorf("fifo: %v", err)
	}
	os.Remove(filepath.Join(root, "agents/fifo"))
	if _, err := Pack(root, []string{"agents"}, WithMaxSize(1024)); err == nil || !strings.Contains(err.Error(), "over the 1024-byte limit at agents/") || !strings.Contains(err.Error(), "fix:") {
		t.Errorf("size limit: %v", err)
	}
}
