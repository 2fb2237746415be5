package testsys

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// blockSize is dm-verity's data block size and erofs's block size.
const blockSize = 4096

// candidates is how many of the target file's blocks around its middle are fetched
// from the guest to look for in ROOT-A.
const candidates = 5

// tamperTarget is what the clean guest told about the file to corrupt.
type tamperTarget struct {
	path   string
	size   int64
	digest string           // sha256, hex
	blocks map[int64][]byte // file block index → its 4096 bytes
	order  []int64          // block indices, most preferred (the middle) first
}

// probeTarget reads the target file's size, digest and a few whole blocks around its
// middle from the running guest.
func probeTarget(ctx context.Context, g *guest, path string) (*tamperTarget, error) {
	q := shellQuote(path)
	out, err := g.sh(ctx, "wc -c < "+q+" && sha256sum "+q)
	if err != nil {
		return nil, fmt.Errorf("read %s in the guest: %w", path, err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("read %s in the guest: unexpected output %q", path, out)
	}
	t := &tamperTarget{path: path, blocks: map[int64][]byte{}}
	if t.size, err = strconv.ParseInt(strings.TrimSpace(lines[0]), 10, 64); err != nil {
		return nil, fmt.Errorf("size of %s: %q", path, lines[0])
	}
	if f := strings.Fields(lines[1]); len(f) > 0 && len(f[0]) == 64 {
		t.digest = f[0]
	} else {
		return nil, fmt.Errorf("sha256sum %s: %q", path, lines[1])
	}
	full := t.size / blockSize // whole blocks; a partial tail block may be packed inline
	if full < 1 {
		return nil, fmt.Errorf("%s is %d bytes: too small to hold a whole %d-byte block; fix: pick a larger file", path, t.size, blockSize)
	}
	first := max(0, full/2-candidates/2)
	count := min(int64(candidates), full-first)
	data, err := g.sh(ctx, fmt.Sprintf("dd if=%s bs=%d skip=%d count=%d 2>/dev/null", q, blockSize, first, count))
	if err != nil {
		return nil, fmt.Errorf("read blocks of %s in the guest: %w", path, err)
	}
	if int64(len(data)) != count*blockSize {
		return nil, fmt.Errorf("read blocks %d..%d of %s in the guest: got %d bytes, want %d", first, first+count-1, path, len(data), count*blockSize)
	}
	for i := range count {
		t.blocks[first+i] = []byte(data[i*blockSize : (i+1)*blockSize])
	}
	t.order = preferMiddle(first, count, full/2)
	return t, nil
}

// preferMiddle orders first..first+count-1 by distance from mid, the nearest first.
func preferMiddle(first, count, mid int64) []int64 {
	var out []int64
	for d := int64(0); d <= count+abs(mid-first); d++ {
		for _, i := range []int64{mid + d, mid - d} {
			if i >= first && i < first+count && !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
	}
	return out
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// findBlocks scans length bytes of r from off, block by block, for the given blocks
// and returns, per block index, the offsets (relative to off) where it occurs.
func findBlocks(r io.ReaderAt, off, length int64, blocks map[int64][]byte) (map[int64][]int64, error) {
	byPrefix := map[uint64][]int64{}
	for i, b := range blocks {
		if len(b) != blockSize {
			return nil, fmt.Errorf("block %d is %d bytes, want %d", i, len(b), blockSize)
		}
		p := binary.LittleEndian.Uint64(b)
		byPrefix[p] = append(byPrefix[p], i)
	}
	hits := map[int64][]int64{}
	buf := make([]byte, 1024*blockSize)
	for pos := int64(0); pos+blockSize <= length; {
		n := min(int64(len(buf)), (length-pos)/blockSize*blockSize)
		if _, err := r.ReadAt(buf[:n], off+pos); err != nil {
			return nil, fmt.Errorf("read at %d: %w", off+pos, err)
		}
		for j := int64(0); j < n; j += blockSize {
			b := buf[j : j+blockSize]
			for _, i := range byPrefix[binary.LittleEndian.Uint64(b)] {
				if bytes.Equal(b, blocks[i]) {
					hits[i] = append(hits[i], pos+j)
				}
			}
		}
		pos += n
	}
	return hits, nil
}

// flipByte inverts the byte at off in the file at path.
func flipByte(path string, off int64) (before, after byte, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		return 0, 0, fmt.Errorf("read byte at %d: %w", off, err)
	}
	before = b[0]
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		return 0, 0, fmt.Errorf("write byte at %d: %w", off, err)
	}
	return before, b[0], f.Close()
}
