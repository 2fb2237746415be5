package verity

import "fmt"

// layout is where each level of a tree lies in the hash file.
type layout struct {
	dataBlocks   int64
	hashPerBlock int64
	levels       []level // levels[0] is the leaf level, the last one the single top block
	size         int64   // of the whole hash file, superblock included
}

type level struct {
	offset int64 // in the hash file
	blocks int64
}

func newLayout(dataSize int64, p Params) (layout, error) {
	dbs := int64(p.DataBlockSize)
	if dataSize <= 0 || dataSize%dbs != 0 {
		return layout{}, fmt.Errorf("verity: data size %d is not a positive multiple of the %d-byte data block", dataSize, dbs)
	}
	l := layout{dataBlocks: dataSize / dbs, hashPerBlock: int64(p.HashBlockSize / digestSize)}
	// One data block has no levels: its hash is the root hash (as in veritysetup).
	for n := l.dataBlocks; n > 1; {
		n = (n + l.hashPerBlock - 1) / l.hashPerBlock
		l.levels = append(l.levels, level{blocks: n})
	}
	off := int64(0)
	if p.Superblock {
		off = int64(p.HashBlockSize)
	}
	for i := len(l.levels) - 1; i >= 0; i-- { // top level first
		l.levels[i].offset = off
		off += l.levels[i].blocks * int64(p.HashBlockSize)
	}
	l.size = off
	return l, nil
}
