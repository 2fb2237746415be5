package verity

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// readChunk is how much data one worker reads and hashes at a time.
const readChunk = 1 << 20

// buildTree fills the levels of buf (laid out as l) and returns the root hash.
func buildTree(data io.ReaderAt, buf []byte, l layout, p Params) ([]byte, error) {
	if len(l.levels) == 0 {
		block := make([]byte, p.DataBlockSize)
		if err := readFull(data, block, 0); err != nil {
			return nil, err
		}
		return hashBlock(sha256.New(), p.Salt, block, nil), nil
	}
	hbs := int64(p.HashBlockSize)
	region := func(lv level) []byte { return buf[lv.offset : lv.offset+lv.blocks*hbs] }
	if err := hashLeaves(data, region(l.levels[0]), l.dataBlocks, p); err != nil {
		return nil, err
	}
	h := sha256.New()
	for i := 1; i < len(l.levels); i++ {
		src, dst := region(l.levels[i-1]), region(l.levels[i])
		for j := int64(0); j < l.levels[i-1].blocks; j++ {
			hashBlock(h, p.Salt, src[j*hbs:(j+1)*hbs], dst[j*digestSize:j*digestSize])
		}
	}
	return hashBlock(h, p.Salt, region(l.levels[len(l.levels)-1]), nil), nil
}

// hashLeaves writes the hash of each of the n data blocks to leaf, 32 bytes apart. Workers
// take 1 MiB chunks of the data in turn; each hash has its own place, so the result does
// not depend on the number of workers or the order they run in.
func hashLeaves(data io.ReaderAt, leaf []byte, n int64, p Params) error {
	dbs := int64(p.DataBlockSize)
	perChunk := max(1, readChunk/dbs)
	chunks := (n + perChunk - 1) / perChunk
	workers := int(min(int64(p.Workers), chunks))
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			h := sha256.New()
			buf := make([]byte, perChunk*dbs)
			for !failed.Load() {
				c := next.Add(1) - 1
				if c >= chunks {
					return
				}
				first := c * perChunk
				count := min(perChunk, n-first)
				b := buf[:count*dbs]
				if err := readFull(data, b, first*dbs); err != nil {
					errs[w] = err
					failed.Store(true)
					return
				}
				for k := range count {
					at := (first + k) * digestSize
					hashBlock(h, p.Salt, b[k*dbs:(k+1)*dbs], leaf[at:at])
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// hashBlock appends sha256(salt || block) to dst.
func hashBlock(h hash.Hash, salt, block, dst []byte) []byte {
	h.Reset()
	h.Write(salt)
	h.Write(block)
	return h.Sum(dst)
}

// readFull reads exactly len(b) bytes at off.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("verity: read data at offset %d: %w", off, err)
}
