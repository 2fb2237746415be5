package assemble

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// extract copies the regular files of the package tar at tarPath whose cleaned names
// are in want (exact names) or under one of prefixes ("dir/") into dir, keeping their
// relative paths. It returns the names copied.
func extract(tarPath, dir string, want []string, prefixes []string) (map[string]bool, error) {
	f, err := os.Open(tarPath)
	if err != nil {
		return nil, fmt.Errorf("extract from %s: %w", tarPath, err)
	}
	defer f.Close()
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w] = true
	}
	got := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("extract from %s: %w", tarPath, err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if h.Typeflag != tar.TypeReg || strings.HasPrefix(name, "../") {
			continue
		}
		match := wanted[name]
		for _, p := range prefixes {
			match = match || strings.HasPrefix(name, p)
		}
		if !match {
			continue
		}
		out := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, fmt.Errorf("extract %s: %w", name, err)
		}
		w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("extract %s: %w", name, err)
		}
		_, err = io.Copy(w, tr)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("extract %s from %s: %w", name, tarPath, err)
		}
		got[name] = true
	}
	for _, w := range want {
		if !got[w] {
			return nil, fmt.Errorf("%s has no file %s", tarPath, w)
		}
	}
	return got, nil
}
