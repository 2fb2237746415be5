package source

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDeterministicTar(t *testing.T) {
	mk := func(mode os.FileMode, mtime time.Time) string {
		d := t.TempDir()
		must(t, os.MkdirAll(filepath.Join(d, "vendor", "b"), 0o700))
		must(t, os.WriteFile(filepath.Join(d, "go.mod"), []byte("module x\n"), mode))
		must(t, os.WriteFile(filepath.Join(d, "run.sh"), []byte("#!/bin/sh\n"), 0o700))
		must(t, os.WriteFile(filepath.Join(d, "vendor", "b", "z.go"), []byte("package b\n"), mode))
		must(t, os.Symlink("run.sh", filepath.Join(d, "link")))
		for _, p := range []string{"go.mod", "run.sh", "vendor/b/z.go"} {
			must(t, os.Chtimes(filepath.Join(d, p), mtime, mtime))
		}
		return d
	}
	var a, b bytes.Buffer
	must(t, writeDeterministicTar(&a, mk(0o600, time.Now()), "x@v1.0.0", 1700000000))
	must(t, writeDeterministicTar(&b, mk(0o444, time.Unix(5, 0)), "x@v1.0.0", 1700000000))
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("tars of equal trees differ")
	}
	want := map[string]struct {
		typ  byte
		mode int64
	}{
		"x@v1.0.0/":              {tar.TypeDir, 0o755},
		"x@v1.0.0/go.mod":        {tar.TypeReg, 0o644},
		"x@v1.0.0/link":          {tar.TypeSymlink, 0o777},
		"x@v1.0.0/run.sh":        {tar.TypeReg, 0o755},
		"x@v1.0.0/vendor/":       {tar.TypeDir, 0o755},
		"x@v1.0.0/vendor/b/":     {tar.TypeDir, 0o755},
		"x@v1.0.0/vendor/b/z.go": {tar.TypeReg, 0o644},
	}
	tr := tar.NewReader(&a)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		names = append(names, h.Name)
		w, ok := want[h.Name]
		if !ok || h.Typeflag != w.typ || h.Mode != w.mode || h.Uid != 0 || h.Gid != 0 ||
			h.Uname != "" || h.Gname != "" || h.ModTime.Unix() != 1700000000 || len(h.PAXRecords) != 0 {
			t.Errorf("unexpected entry %+v", h)
		}
	}
	if len(names) != len(want) {
		t.Fatalf("entries %v", names)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
