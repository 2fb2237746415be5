// Package gpttest builds GPT disk images for the tests of the packages that read them.
package gpttest

import (
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"strings"
	"unicode/utf16"

	"github.com/kitbash-dev/kitbash/agents/internal/gpt"
)

// Layout is the disk an image is made for. The primary header is at LBA 1 with its
// entries at EntriesLBA; the backup header is at the last LBA with its entries right
// before it.
type Layout struct {
	BlockSize  int64 // logical block size in bytes; 0 means 512
	Blocks     int64 // disk size in blocks; 0 means 64
	Entries    int   // entries of 128 bytes in the array; 0 means 32
	EntriesLBA int64 // LBA of the primary entries; 0 means 2

	// The headers' usable LBAs (inclusive) and disk GUID; zero values are written as
	// zeros.
	FirstUsable, LastUsable int64
	DiskGUID                string

	// ProtectiveMBR writes a protective MBR in LBA 0: one partition of type 0xEE from
	// LBA 1 to the last LBA.
	ProtectiveMBR bool
}

func (l Layout) withDefaults() Layout {
	if l.BlockSize == 0 {
		l.BlockSize = 512
	}
	if l.Blocks == 0 {
		l.Blocks = 64
	}
	if l.Entries == 0 {
		l.Entries = 32
	}
	if l.EntriesLBA == 0 {
		l.EntriesLBA = 2
	}
	return l
}

// BackupHeaderLBA is the LBA of the backup header: the last one.
func (l Layout) BackupHeaderLBA() int64 { return l.withDefaults().Blocks - 1 }

// BackupEntriesLBA is the LBA of the backup entries, right before the backup header.
func (l Layout) BackupEntriesLBA() int64 {
	l = l.withDefaults()
	return l.BackupHeaderLBA() - (int64(l.Entries)*128+l.BlockSize-1)/l.BlockSize
}

// Image returns a disk of layout l whose GPT copies hold es, each at its Number
// (1-based); the other entries are unused. It panics on a malformed GUID or an entry
// number outside the array.
func Image(l Layout, es ...gpt.Entry) []byte {
	l = l.withDefaults()
	le := binary.LittleEndian
	disk := make([]byte, l.Blocks*l.BlockSize)
	arr := make([]byte, l.Entries*128)
	for _, p := range es {
		e := arr[(p.Number-1)*128:][:128]
		copy(e[0:], GUIDBytes(p.Type))
		copy(e[16:], GUIDBytes(p.UUID))
		le.PutUint64(e[32:], p.FirstLBA)
		le.PutUint64(e[40:], p.LastLBA)
		le.PutUint64(e[48:], p.Attributes)
		for i, c := range utf16.Encode([]rune(p.Name)) {
			le.PutUint16(e[56+2*i:], c)
		}
	}
	last, backupEntries := l.BackupHeaderLBA(), l.BackupEntriesLBA()
	header := func(my, alt, entryLBA int64) []byte {
		h := make([]byte, 92)
		copy(h, "EFI PART")
		le.PutUint32(h[8:], 0x10000)
		le.PutUint32(h[12:], 92)
		le.PutUint64(h[24:], uint64(my))
		le.PutUint64(h[32:], uint64(alt))
		le.PutUint64(h[40:], uint64(l.FirstUsable))
		le.PutUint64(h[48:], uint64(l.LastUsable))
		if l.DiskGUID != "" {
			copy(h[56:], GUIDBytes(l.DiskGUID))
		}
		le.PutUint64(h[72:], uint64(entryLBA))
		le.PutUint32(h[80:], uint32(l.Entries))
		le.PutUint32(h[84:], 128)
		le.PutUint32(h[88:], crc32.ChecksumIEEE(arr))
		le.PutUint32(h[16:], crc32.ChecksumIEEE(h))
		return h
	}
	if l.ProtectiveMBR {
		pm := disk[446:]
		copy(pm, []byte{0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF})
		le.PutUint32(pm[8:], 1)
		le.PutUint32(pm[12:], uint32(min(last, 0xFFFFFFFF)))
		disk[510], disk[511] = 0x55, 0xAA
	}
	copy(disk[l.BlockSize:], header(1, last, l.EntriesLBA))
	copy(disk[l.EntriesLBA*l.BlockSize:], arr)
	copy(disk[backupEntries*l.BlockSize:], arr)
	copy(disk[last*l.BlockSize:], header(last, 1, backupEntries))
	return disk
}

// GUIDBytes encodes a GUID ("c12a7328-f81f-11d2-ba4b-00a0c93ec93b") in GPT
// (mixed-endian) byte order. It panics on a malformed one.
func GUIDBytes(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		panic("gpttest: bad GUID " + s)
	}
	le, be := binary.LittleEndian, binary.BigEndian
	le.PutUint32(b[0:], be.Uint32(b[0:]))
	le.PutUint16(b[4:], be.Uint16(b[4:]))
	le.PutUint16(b[6:], be.Uint16(b[6:]))
	return b
}
