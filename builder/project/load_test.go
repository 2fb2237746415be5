package project

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, FileName), readTestdata(t, "valid.yaml"))
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Dir != dir || l.LockExists || l.Project.SDK.Name != "kitbash-sdk" {
		t.Errorf("Load without lock: %+v", l)
	}
	if got := l.Path("keys/core.pub"); got != filepath.Join(dir, "keys", "core.pub") {
		t.Errorf("Path = %s", got)
	}
	if got := l.Path("/abs/./x"); got != "/abs/x" {
		t.Errorf("Path(abs) = %s", got)
	}

	writeFile(t, filepath.Join(dir, LockName), readTestdata(t, "valid.lock"))
	l, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !l.LockExists || l.Lock.Kits[0].Name != "core" {
		t.Errorf("Load with lock: %+v", l.Lock)
	}
}

func TestLoadReportsBothFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, FileName), readTestdata(t, "bad-semver.yaml"))
	writeFile(t, filepath.Join(dir, LockName), readTestdata(t, "bad.lock"))
	_, err := Load(dir)
	var ps yamlstrict.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 7 {
		t.Fatalf("got %d lines, want 2 + 5:\n%v", len(lines), err)
	}
	if !strings.HasPrefix(lines[0], filepath.Join(dir, FileName)+":2: release-version:") ||
		!strings.HasPrefix(lines[2], filepath.Join(dir, LockName)+":4: sdk.digest:") {
		t.Errorf("problems not grouped by file with full names:\n%v", err)
	}
}

func TestLoadMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "no Kitbash.yaml in "+dir) || !strings.Contains(err.Error(), "kitbash init") {
		t.Errorf("err = %v", err)
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, FileName), readTestdata(t, "valid.yaml"))
	deep := filepath.Join(root, "specs", "a", "b")
	writeFile(t, filepath.Join(deep, "file.txt"), nil)
	for _, start := range []string{root, deep, filepath.Join(deep, "file.txt")} {
		if got, err := Find(start); err != nil || got != root {
			t.Errorf("Find(%s) = %s, %v", start, got, err)
		}
	}
	// A directory named Kitbash.yaml is not a project.
	other := t.TempDir()
	if err := os.Mkdir(filepath.Join(other, FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Find(other)
	want := "no Kitbash.yaml in " + other + " or any parent; run `kitbash init " + other + "` to create a project"
	if err == nil || err.Error() != want {
		t.Errorf("Find outside a project = %v, want %s", err, want)
	}
}
