package source

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"
)

// writeDeterministicTar writes the tree at dir to w as a tar rooted at prefix/:
// names in sorted walk order, PAX format, uid/gid 0 with no user or group names,
// files 0644 or 0755 by their owner exec bit, dirs 0755, every mtime = epoch, no
// xattrs, symlinks kept as symlinks. Other file types are refused.
func writeDeterministicTar(w io.Writer, dir, prefix string, epoch int64) error {
	tw := tar.NewWriter(w)
	mtime := time.Unix(epoch, 0).UTC()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := prefix
		if rel != "." {
			name = path.Join(prefix, filepath.ToSlash(rel))
		}
		hdr := &tar.Header{Name: name, ModTime: mtime, Format: tar.FormatPAX}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch mode := info.Mode(); {
		case mode.IsDir():
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, name+"/", 0o755
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, target, 0o777
		case mode.IsRegular():
			hdr.Typeflag, hdr.Size, hdr.Mode = tar.TypeReg, info.Size(), 0o644
			if mode&0o100 != 0 {
				hdr.Mode = 0o755
			}
		default:
			return fmt.Errorf("%s: unsupported file type %s", p, mode.Type())
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil
		}
		return copyFileTo(tw, p, hdr.Size)
	})
	if err != nil {
		return fmt.Errorf("source: tar %s: %w", dir, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("source: tar %s: %w", dir, err)
	}
	return nil
}

func copyFileTo(w io.Writer, p string, size int64) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(w, io.LimitReader(f, size))
	if err == nil && n != size {
		err = fmt.Errorf("%s changed size while being archived", p)
	}
	return err
}

// storeTar packs dir as a deterministic tar rooted at prefix/ into the cache and
// returns the blob's hex sha256, path and size.
func (f *Fetcher) storeTar(dir, prefix string) (string, string, int64, error) {
	tmp, err := f.cas.tempFile("tar-*")
	if err != nil {
		return "", "", 0, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	if err := writeDeterministicTar(cw, dir, prefix, f.cfg.epoch); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return "", "", 0, err
	}
	sum := hexOf(h)
	p, err := f.cas.commit(tmp, sum)
	if err != nil {
		return "", "", 0, err
	}
	return sum, p, cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
