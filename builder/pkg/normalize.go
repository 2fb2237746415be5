// Package pkg is the package artifact: a deterministic tar of what a build step wrote to
// $DESTDIR, and a manifest that says what it is and what went into it.
package pkg

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// NormalizeOptions fix everything in a tar that could differ between two builds of the
// same inputs.
type NormalizeOptions struct {
	Epoch time.Time // mtimes later than this are clamped to it
	UID   int       // owner of every entry (0 unless the spec says otherwise)
	GID   int
	Spool string // directory for the temporary content spool (default os.TempDir)
}

// Result describes a normalized tar.
type Result struct {
	Digest string // "sha256:<hex>" of the tar bytes
	Size   int64
	Files  int // entries other than directories
}

type entry struct {
	hdr    tar.Header
	offset int64 // of its content in the spool
}

// Normalize reads a tar (BuildKit's tar export of a step's output) and writes the same
// tree as a deterministic tar: entries sorted by name, owner from opts, mtimes clamped to
// the epoch, no access/change times, no user/group names, no PAX records (so no host
// xattrs), names without leading "./" or "/".
func Normalize(r io.Reader, w io.Writer, opts NormalizeOptions) (Result, error) {
	spool, err := os.CreateTemp(opts.Spool, "kitbash-pkg-spool-")
	if err != nil {
		return Result{}, fmt.Errorf("normalize package tar: spool: %w", err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()

	entries, err := readEntries(tar.NewReader(r), spool)
	if err != nil {
		return Result{}, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].hdr.Name < entries[j].hdr.Name })
	for i := 1; i < len(entries); i++ {
		if entries[i].hdr.Name == entries[i-1].hdr.Name {
			return Result{}, fmt.Errorf("normalize package tar: %q appears twice", entries[i].hdr.Name)
		}
	}

	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(w, h)}
	tw := tar.NewWriter(cw)
	res := Result{}
	for _, e := range entries {
		hdr := clean(e.hdr, opts)
		if err := tw.WriteHeader(&hdr); err != nil {
			return Result{}, fmt.Errorf("normalize package tar: write %s: %w", hdr.Name, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := io.Copy(tw, io.NewSectionReader(spool, e.offset, hdr.Size)); err != nil {
				return Result{}, fmt.Errorf("normalize package tar: copy %s: %w", hdr.Name, err)
			}
		}
		if hdr.Typeflag != tar.TypeDir {
			res.Files++
		}
	}
	if err := tw.Close(); err != nil {
		return Result{}, fmt.Errorf("normalize package tar: %w", err)
	}
	res.Digest, res.Size = "sha256:"+hex.EncodeToString(h.Sum(nil)), cw.n
	return res, nil
}

func readEntries(tr *tar.Reader, spool *os.File) ([]entry, error) {
	var entries []entry
	var off int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("normalize package tar: read: %w", err)
		}
		name := cleanName(hdr.Name, hdr.Typeflag == tar.TypeDir)
		if name == "" {
			continue // the root directory itself
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeLink, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		default:
			return nil, fmt.Errorf("normalize package tar: %s: unsupported entry type %q", hdr.Name, hdr.Typeflag)
		}
		e := entry{hdr: *hdr, offset: off}
		e.hdr.Name = name
		if hdr.Typeflag == tar.TypeLink {
			e.hdr.Linkname = cleanName(hdr.Linkname, false)
		}
		if hdr.Typeflag == tar.TypeReg {
			n, err := io.Copy(spool, tr)
			if err != nil {
				return nil, fmt.Errorf("normalize package tar: spool %s: %w", hdr.Name, err)
			}
			off += n
		}
		entries = append(entries, e)
	}
}

func cleanName(name string, dir bool) string {
	name = strings.TrimLeft(path.Clean("/"+name), "/")
	if name == "" || name == "." {
		return ""
	}
	if dir {
		name += "/"
	}
	return name
}

func clean(in tar.Header, opts NormalizeOptions) tar.Header {
	mtime := in.ModTime.Truncate(time.Second)
	if !opts.Epoch.IsZero() && mtime.After(opts.Epoch) {
		mtime = opts.Epoch
	}
	out := tar.Header{
		Typeflag: in.Typeflag,
		Name:     in.Name,
		Linkname: in.Linkname,
		Mode:     in.Mode & 0o7777,
		Uid:      opts.UID,
		Gid:      opts.GID,
		ModTime:  mtime.UTC(),
		Devmajor: in.Devmajor,
		Devminor: in.Devminor,
		Format:   tar.FormatPAX,
	}
	if in.Typeflag == tar.TypeReg {
		out.Size = in.Size
	}
	return out
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
