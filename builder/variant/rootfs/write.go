package rootfs

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"time"
)

// tarName is a node's name in the output: directories end in "/", as in builder/pkg.
func (n *node) tarName() string {
	if n.typ == typeDir {
		return n.path + "/"
	}
	return n.path
}

// write writes the tree as a deterministic tar (see the package documentation).
func (t *tree) write(w io.Writer, epoch time.Time) (Result, error) {
	nodes := make([]*node, 0, len(t.nodes))
	for _, n := range t.nodes {
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].tarName() < nodes[j].tarName() })

	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(w, h)}
	tw := tar.NewWriter(cw)
	res := Result{Owners: map[string]string{}}
	written := map[*inode]string{} // inode -> the path that carries its content
	for _, n := range nodes {
		hdr := tar.Header{
			Typeflag: n.typ,
			Name:     n.tarName(),
			Linkname: n.link,
			Mode:     n.mode,
			Uid:      n.uid,
			Gid:      n.gid,
			ModTime:  epoch,
			Devmajor: n.devmajor,
			Devminor: n.devminor,
			Format:   tar.FormatPAX,
		}
		content := false
		if n.typ == typeReg {
			if first, ok := written[n.ino]; ok {
				hdr.Typeflag, hdr.Linkname = tar.TypeLink, first
			} else {
				written[n.ino] = n.path
				hdr.Size, content = n.ino.size, true
				if n.ino.caps != "" {
					hdr.PAXRecords = map[string]string{capKey: n.ino.caps}
				}
			}
		}
		if err := tw.WriteHeader(&hdr); err != nil {
			return Result{}, fmt.Errorf("rootfs: write %s: %w", hdr.Name, err)
		}
		if content {
			if _, err := io.CopyN(tw, n.ino.reader(), n.ino.size); err != nil {
				return Result{}, fmt.Errorf("rootfs: copy %s from %s: %w", n.path, n.owner, err)
			}
		}
		res.Entries++
		if n.owner != "" {
			res.Owners[n.path] = n.owner
		}
	}
	if err := tw.Close(); err != nil {
		return Result{}, fmt.Errorf("rootfs: write: %w", err)
	}
	res.Digest, res.Size = "sha256:"+hex.EncodeToString(h.Sum(nil)), cw.n
	return res, nil
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
