package pkgbuild

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPathDigest(t *testing.T) {
	mk := func() string {
		d := t.TempDir()
		os.MkdirAll(filepath.Join(d, "a", "b"), 0o755)
		os.WriteFile(filepath.Join(d, "a", "b", "f"), []byte("x"), 0o644)
		os.Symlink("b/f", filepath.Join(d, "a", "l"))
		return d
	}
	d1, d2 := mk(), mk()
	os.Chtimes(filepath.Join(d2, "a", "b", "f"), time.Unix(1, 0), time.Unix(1, 0))
	h1, err := PathDigest(d1)
	if err != nil {
		t.Fatal(err)
	}
	if h2, _ := PathDigest(d2); h1 != h2 {
		t.Fatal("mtimes changed the digest")
	}
	for name, change := range map[string]func(string){
		"content": func(d string) { os.WriteFile(filepath.Join(d, "a", "b", "f"), []byte("y"), 0o644) },
		"mode":    func(d string) { os.Chmod(filepath.Join(d, "a", "b", "f"), 0o755) },
		"link":    func(d string) { os.Remove(filepath.Join(d, "a", "l")); os.Symlink("b", filepath.Join(d, "a", "l")) },
		"new":     func(d string) { os.WriteFile(filepath.Join(d, "n"), nil, 0o644) },
	} {
		d := mk()
		change(d)
		if h, _ := PathDigest(d); h == h1 {
			t.Errorf("changing %s did not change the digest", name)
		}
	}
}
