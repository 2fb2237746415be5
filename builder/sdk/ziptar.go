package sdk

import (
	"archive/tar"
	"archive/zip"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
)

// goRoot is where the toolchain lives in the image, without a leading slash.
const goRoot = "usr/local/go"

// zipToTar converts a Go toolchain module zip into a deterministic tar layer:
// entries under root/ with the module prefix stripped, every parent directory
// present, names sorted, uid/gid 0, mtime = epoch, PAX format. Directories and
// executables (bin/, pkg/tool/ or an exec bit in the zip) get 0755, other files
// 0644.
func zipToTar(zr *zip.Reader, prefix, root string, epoch time.Time, w io.Writer) error {
	files := map[string]*zip.File{}
	dirs := map[string]bool{}
	addParents := func(p string) {
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, f := range zr.File {
		rel, ok := strings.CutPrefix(f.Name, prefix)
		if !ok {
			return fmt.Errorf("zip entry %q is outside %q", f.Name, prefix)
		}
		isDir := strings.HasSuffix(rel, "/")
		rel = strings.TrimSuffix(rel, "/")
		if rel == "" {
			continue
		}
		if path.Clean(rel) != rel || strings.HasPrefix(rel, "../") || rel == ".." || path.IsAbs(rel) {
			return fmt.Errorf("zip entry %q has an unsafe path", f.Name)
		}
		name := path.Join(root, rel)
		switch {
		case isDir || f.Mode().IsDir():
			dirs[name] = true
		case f.Mode().IsRegular():
			if files[name] != nil {
				return fmt.Errorf("zip entry %q appears twice", f.Name)
			}
			files[name] = f
		default:
			return fmt.Errorf("zip entry %q has unsupported mode %v", f.Name, f.Mode())
		}
		addParents(name)
	}
	dirs[root] = true
	addParents(root)

	names := make([]string, 0, len(files)+len(dirs))
	for d := range dirs {
		if files[d] != nil {
			return fmt.Errorf("zip has both a file and a directory %q", d)
		}
		names = append(names, d+"/")
	}
	for f := range files {
		names = append(names, f)
	}
	slices.Sort(names)

	tw := tar.NewWriter(w)
	for _, n := range names {
		hdr := &tar.Header{Name: n, ModTime: epoch, Format: tar.FormatPAX}
		f := files[n]
		if f == nil {
			hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
		} else {
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, fileMode(strings.TrimPrefix(n, root+"/"), f), int64(f.UncompressedSize64)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write tar header %s: %w", n, err)
		}
		if f != nil {
			if err := copyZipFile(tw, f); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("finish toolchain tar: %w", err)
	}
	return nil
}

func fileMode(rel string, f *zip.File) int64 {
	if strings.HasPrefix(rel, "bin/") || strings.HasPrefix(rel, "pkg/tool/") || f.Mode()&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// copyZipFile copies one entry; zip verifies its CRC-32 at EOF.
func copyZipFile(w io.Writer, f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("open zip entry %s: %w", f.Name, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("copy zip entry %s: %w", f.Name, err)
	}
	return nil
}
