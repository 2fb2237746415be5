package gpt

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"unicode/utf16"
)

const (
	headerSize     = 92
	revision       = 0x00010000
	signature      = "EFI PART"
	mbrTypeGPT     = 0xEE
	mbrRecordStart = 446
)

// Write writes t's protective MBR, primary header and entry array, backup entry array
// and backup header to w, which stands for the whole disk (offset 0 is LBA 0). It writes
// whole sectors (LBAs 0-33 and the last 33) and nothing else: partition contents and the
// gap before the first partition are not touched. t must pass [Table.Validate].
func Write(w io.WriterAt, t Table) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("gpt write: %w", err)
	}
	n := t.sectors()
	entries := encodeEntries(t.Partitions)
	primary := encodeHeader(t, 1, n-1, 2, entries)
	backupEntries := n - 1 - entryArraySectors
	backup := encodeHeader(t, n-1, 1, backupEntries, entries)
	writes := []struct {
		what string
		lba  uint64
		b    []byte
	}{
		{"protective MBR", 0, protectiveMBR(n)},
		{"primary header", 1, primary},
		{"primary entries", 2, entries},
		{"backup entries", backupEntries, entries},
		{"backup header", n - 1, backup},
	}
	for _, x := range writes {
		if _, err := w.WriteAt(x.b, int64(x.lba)*SectorSize); err != nil {
			return fmt.Errorf("gpt write: %s at LBA %d: %w", x.what, x.lba, err)
		}
	}
	return nil
}

// protectiveMBR is LBA 0 of a disk of n sectors: one record of type 0xEE covering
// LBA 1 to the end (or 0xFFFFFFFF sectors), start CHS 0/0/2, end CHS as large as CHS
// goes (0xFFFFFF), and no boot code or disk signature.
func protectiveMBR(n uint64) []byte {
	b := make([]byte, SectorSize)
	r := b[mbrRecordStart : mbrRecordStart+16]
	r[0] = 0x00                      // not bootable
	r[1], r[2], r[3] = 0x00, 0x02, 0 // start CHS: head 0, sector 2, cylinder 0 (LBA 1)
	r[4] = mbrTypeGPT
	r[5], r[6], r[7] = 0xFF, 0xFF, 0xFF // end CHS: not representable
	binary.LittleEndian.PutUint32(r[8:], 1)
	size := n - 1
	if size > 0xFFFFFFFF {
		size = 0xFFFFFFFF
	}
	binary.LittleEndian.PutUint32(r[12:], uint32(size))
	b[510], b[511] = 0x55, 0xAA
	return b
}

// encodeEntries is the 16 KiB entry array: parts in order, the rest zero.
func encodeEntries(parts []Partition) []byte {
	b := make([]byte, NumEntries*EntrySize)
	le := binary.LittleEndian
	for i, p := range parts {
		e := b[i*EntrySize : (i+1)*EntrySize]
		copy(e[0:16], p.Type[:])
		copy(e[16:32], p.GUID[:])
		le.PutUint64(e[32:], p.StartLBA)
		le.PutUint64(e[40:], p.EndLBA)
		le.PutUint64(e[48:], p.Attributes)
		for j, u := range utf16.Encode([]rune(p.Name)) {
			le.PutUint16(e[56+2*j:], u)
		}
	}
	return b
}

// encodeHeader is one header sector: at LBA my, pointing at alternate and at its entry
// array from entryLBA.
func encodeHeader(t Table, my, alternate, entryLBA uint64, entries []byte) []byte {
	b := make([]byte, SectorSize)
	le := binary.LittleEndian
	copy(b[0:8], signature)
	le.PutUint32(b[8:], revision)
	le.PutUint32(b[12:], headerSize)
	// b[16:20] header CRC, below; b[20:24] reserved
	le.PutUint64(b[24:], my)
	le.PutUint64(b[32:], alternate)
	le.PutUint64(b[40:], firstUsableLBA)
	le.PutUint64(b[48:], t.lastUsableLBA())
	copy(b[56:72], t.DiskGUID[:])
	le.PutUint64(b[72:], entryLBA)
	le.PutUint32(b[80:], NumEntries)
	le.PutUint32(b[84:], EntrySize)
	le.PutUint32(b[88:], crc32.ChecksumIEEE(entries))
	le.PutUint32(b[16:], crc32.ChecksumIEEE(b[:headerSize]))
	return b
}
