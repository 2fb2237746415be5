// Package verity builds dm-verity hash trees byte-identical to `veritysetup format` with
// sha256, hash type (format) 1, with or without the 512-byte veritysetup superblock.
//
// Every hash is sha256(salt || block). A level's hashes are packed 32 bytes apart into hash
// blocks, the last block of a level zero-padded; levels are written top level first, the leaf
// level (hashes of the data blocks) last; the root hash is the hash of the single top block.
// One data block is a special case: no levels, and the root hash is the hash of that block.
// With Params.Superblock the hash file starts with the superblock, padded to HashBlockSize.
//
// Nothing here is random: the salt and the superblock UUID come from the caller, normally
// derived from the image's identity with DeriveSalt and DeriveUUID.
package verity

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
)

const (
	// DefaultBlockSize is the data and hash block size used when Params leaves them zero.
	DefaultBlockSize = 4096
	// MaxSaltSize is the longest salt the veritysetup superblock can hold.
	MaxSaltSize = 256

	digestSize = 32 // sha256
)

// Params describes a hash tree. The zero value is 4096-byte blocks, an empty salt, no
// superblock and runtime.NumCPU() workers.
type Params struct {
	DataBlockSize int // bytes, a power of two from 512 to 65536; 0 means 4096
	HashBlockSize int // bytes, a power of two from 512 to 65536; 0 means 4096
	Salt          []byte
	UUID          [16]byte // written in the superblock; must be set when Superblock is
	// Superblock writes the 512-byte veritysetup superblock at the start of the hash file,
	// padded to HashBlockSize, and the tree after it (veritysetup's default; without it,
	// veritysetup --no-superblock).
	Superblock bool
	Workers    int // goroutines hashing the leaf level; 0 means runtime.NumCPU()
}

// withDefaults returns p with zero fields defaulted, or an error for an invalid p.
func (p Params) withDefaults() (Params, error) {
	if p.DataBlockSize == 0 {
		p.DataBlockSize = DefaultBlockSize
	}
	if p.HashBlockSize == 0 {
		p.HashBlockSize = DefaultBlockSize
	}
	if p.Workers <= 0 {
		p.Workers = runtime.NumCPU()
	}
	for _, b := range []struct {
		name string
		size int
	}{{"data", p.DataBlockSize}, {"hash", p.HashBlockSize}} {
		if b.size < 512 || b.size > 65536 || b.size&(b.size-1) != 0 {
			return p, fmt.Errorf("verity: %s block size %d is not a power of two from 512 to 65536", b.name, b.size)
		}
	}
	if len(p.Salt) > MaxSaltSize {
		return p, fmt.Errorf("verity: salt is %d bytes, at most %d allowed", len(p.Salt), MaxSaltSize)
	}
	if p.Superblock && p.UUID == ([16]byte{}) {
		return p, errors.New("verity: a superblock needs a UUID (see DeriveUUID)")
	}
	return p, nil
}

// HashSize returns the size in bytes of the hash file Create writes for dataSize bytes of
// data, superblock included, so that a partition can be sized before the tree is built.
func HashSize(dataSize int64, p Params) (int64, error) {
	p, err := p.withDefaults()
	if err != nil {
		return 0, err
	}
	l, err := newLayout(dataSize, p)
	if err != nil {
		return 0, err
	}
	return l.size, nil
}

// Create hashes dataSize bytes of data, which must be a positive multiple of
// p.DataBlockSize, and writes the hash file (superblock if asked, then the tree) to hash
// at offset 0. It returns the root hash and the number of bytes written. The tree is built
// in memory (about dataSize/127 bytes) and written with one WriteAt.
func Create(data io.ReaderAt, dataSize int64, hash io.WriterAt, p Params) (rootHash []byte, hashSize int64, err error) {
	p, err = p.withDefaults()
	if err != nil {
		return nil, 0, err
	}
	l, err := newLayout(dataSize, p)
	if err != nil {
		return nil, 0, err
	}
	buf := make([]byte, l.size)
	if p.Superblock {
		copy(buf, superblock(p, l.dataBlocks))
	}
	root, err := buildTree(data, buf, l, p)
	if err != nil {
		return nil, 0, err
	}
	if len(buf) > 0 {
		if _, err := hash.WriteAt(buf, 0); err != nil {
			return nil, 0, fmt.Errorf("verity: write hash tree: %w", err)
		}
	}
	return root, l.size, nil
}

// CreateFiles hashes the file at dataPath, whose size must be a multiple of
// p.DataBlockSize, and writes the hash file at hashPath (created, or truncated first).
func CreateFiles(dataPath, hashPath string, p Params) (rootHash []byte, err error) {
	data, err := os.Open(dataPath)
	if err != nil {
		return nil, fmt.Errorf("verity: %w", err)
	}
	defer data.Close()
	st, err := data.Stat()
	if err != nil {
		return nil, fmt.Errorf("verity: %w", err)
	}
	hash, err := os.OpenFile(hashPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("verity: %w", err)
	}
	root, _, err := Create(data, st.Size(), hash, p)
	if cerr := hash.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("verity: %w", cerr)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (data %s, hash %s)", err, dataPath, hashPath)
	}
	return root, nil
}
