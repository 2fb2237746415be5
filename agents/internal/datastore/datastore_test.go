package datastore

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// failing fails the n-th file operation (counting from 1), after doing the part of it
// a crash would have done: a failed WriteFile leaves a truncated file.
type failing struct {
	n, count int
}

var errCrash = errors.New("crash")

func (f *failing) step() bool { f.count++; return f.count == f.n }

func (f *failing) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if f.step() {
		_ = os.WriteFile(name, data[:len(data)/2], perm)
		return errCrash
	}
	return OSFS{}.WriteFile(name, data, perm)
}
func (f *failing) Rename(o, n string) error {
	if f.step() {
		return errCrash
	}
	return os.Rename(o, n)
}
func (f *failing) SyncDir(dir string) error {
	if f.step() {
		return errCrash
	}
	return OSFS{}.SyncDir(dir)
}
func (f *failing) Remove(n string) error { return os.Remove(n) }

// TestWriteCrashAtEveryStep interrupts a write at each step and reopens: the document is
// always either entirely the old one or entirely the new one.
func TestWriteCrashAtEveryStep(t *testing.T) {
	old := Doc{OSVersion: "1.0.0", Settings: map[string]any{"motd": "old"}}
	next := Doc{OSVersion: "1.0.0", Settings: map[string]any{"motd": "new", "extra": 1.0}}
	for n := 1; n <= 4; n++ {
		dir := t.TempDir()
		p := filepath.Join(dir, SettingsFile)
		if err := Write(OSFS{}, p, old); err != nil {
			t.Fatal(err)
		}
		f := &failing{n: n}
		err := Write(f, p, next)
		got, rerr := Read(p)
		if rerr != nil {
			t.Fatalf("crash at step %d: reopen: %v", n, rerr)
		}
		motd := got.Settings["motd"]
		switch {
		case err == nil && n <= 3:
			t.Fatalf("step %d: no error", n)
		case motd != "old" && motd != "new":
			t.Fatalf("step %d: mixed document %+v", n, got)
		case n <= 2 && motd != "old":
			t.Fatalf("step %d: failed before the rename but the new document is in place", n)
		}
	}
}

func TestCurrentLink(t *testing.T) {
	root := t.TempDir()
	a, b := VersionDir(root, "1.0.0"), VersionDir(root, "1.1.0")
	for _, d := range []string{a, b} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := SetCurrent(OSFS{}, root, a); err != nil {
		t.Fatal(err)
	}
	if err := SetCurrent(OSFS{}, root, b); err != nil {
		t.Fatal(err)
	}
	got, err := Current(root)
	if err != nil || got != b {
		t.Fatalf("current %s %v", got, err)
	}
}
