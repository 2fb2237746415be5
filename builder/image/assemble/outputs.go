package assemble

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

// compress writes src zstd-compressed to dst. One encoder goroutine and a fixed level
// make the bytes depend on the input only (for one version of the encoder).
func compress(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	defer out.Close()
	bw := bufio.NewWriterSize(out, 1<<20)
	zw, err := zstd.NewWriter(bw, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(true))
	if err != nil {
		return fmt.Errorf("compress %s: %w", src, err)
	}
	if _, err := io.Copy(zw, in); err != nil {
		zw.Close()
		return fmt.Errorf("compress %s: %w", src, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", src, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("compress %s: %w", src, err)
	}
	return out.Close()
}

// BootImage is boot.json in the boot update image: what an updater needs, with the
// target slot's partition GUIDs, to write that slot's boot entry.
type BootImage struct {
	Version    string   `json:"version"`
	Parameters []string `json:"parameters"`
	RootHash   string   `json:"rootHash"`
	Salt       string   `json:"salt"`
	DataBlocks int64    `json:"dataBlocks"`
}

// bootTar writes the boot update image's tar: vmlinuz, initrd and boot.json.
func bootTar(dst, vmlinuz, initrd string, meta BootImage, epoch time.Time) error {
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("boot image: %w", err)
	}
	f, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("boot image: %w", err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	add := func(name string, data []byte) error {
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("boot.json", append(mb, '\n')); err != nil {
		return fmt.Errorf("boot image: %w", err)
	}
	for _, x := range []struct{ name, path string }{{"initrd", initrd}, {"vmlinuz", vmlinuz}} {
		b, err := os.ReadFile(x.path)
		if err != nil {
			return fmt.Errorf("boot image: %w", err)
		}
		if err := add(x.name, b); err != nil {
			return fmt.Errorf("boot image: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("boot image: %w", err)
	}
	return f.Close()
}

// fileInfo hashes the file dir/name.
func fileInfo(dir, name string) (imageinfo.File, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return imageinfo.File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return imageinfo.File{}, fmt.Errorf("hash %s: %w", name, err)
	}
	return imageinfo.File{Path: name, Sha256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// writeSums writes dir/SHA256SUMS for files, in the format of sha256sum (sorted by name).
func writeSums(dir string, files []imageinfo.File) error {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "%s  %s\n", f.Sha256, f.Path)
	}
	return os.WriteFile(filepath.Join(dir, SumsFile), []byte(b.String()), 0o644)
}
