package gpt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"unicode/utf16"
)

// maxEntryArrayBytes bounds the entry array Read accepts (the usual one is 16 KiB).
const maxEntryArrayBytes = 1 << 20

// header is the part of a GPT header Read uses.
type header struct {
	my, alternate, firstUsable, lastUsable, entryLBA uint64
	diskGUID                                         [16]byte
	numEntries, entrySize, entriesCRC                uint32
}

// Read reads the GPT of a disk of size bytes from r (offset 0 is LBA 0, sectors of 512
// bytes). It checks the protective MBR, the primary header and entry array (signature,
// sizes, CRC32s), and the backup header at the last LBA and its entry array, which must
// agree with the primary. The partitions are the used entries (non-zero type) in entry
// order.
func Read(r io.ReaderAt, size int64) (Table, error) {
	if err := checkSize(size); err != nil {
		return Table{}, fmt.Errorf("gpt read: %w", err)
	}
	n := uint64(size) / SectorSize
	mbr, err := readAt(r, 0, SectorSize)
	if err != nil {
		return Table{}, fmt.Errorf("gpt read: MBR: %w", err)
	}
	if err := checkMBR(mbr); err != nil {
		return Table{}, fmt.Errorf("gpt read: %w", err)
	}
	ph, pe, err := readHeader(r, 1, n)
	if err != nil {
		return Table{}, fmt.Errorf("gpt read: primary: %w", err)
	}
	if ph.alternate != n-1 {
		return Table{}, fmt.Errorf("gpt read: primary header puts the backup at LBA %d, not at the last LBA %d (was the disk resized?)", ph.alternate, n-1)
	}
	bh, be, err := readHeader(r, n-1, n)
	if err != nil {
		return Table{}, fmt.Errorf("gpt read: backup: %w", err)
	}
	if bh.alternate != 1 || bh.diskGUID != ph.diskGUID || bh.firstUsable != ph.firstUsable ||
		bh.lastUsable != ph.lastUsable || bh.numEntries != ph.numEntries || bh.entrySize != ph.entrySize {
		return Table{}, errors.New("gpt read: backup header does not match the primary")
	}
	if !bytes.Equal(pe, be) {
		return Table{}, errors.New("gpt read: backup entry array differs from the primary")
	}
	t := Table{DiskGUID: ph.diskGUID, SizeBytes: size}
	for i := 0; i < int(ph.numEntries); i++ {
		e := pe[i*int(ph.entrySize) : (i+1)*int(ph.entrySize)]
		p, used := decodeEntry(e)
		if !used {
			continue
		}
		what := fmt.Sprintf("entry %d %q", i+1, p.Name)
		if p.StartLBA > p.EndLBA || p.StartLBA < ph.firstUsable || p.EndLBA > ph.lastUsable {
			return Table{}, fmt.Errorf("gpt read: %s: LBAs %d-%d outside the usable LBAs %d-%d", what, p.StartLBA, p.EndLBA, ph.firstUsable, ph.lastUsable)
		}
		for _, q := range t.Partitions {
			if p.StartLBA <= q.EndLBA && q.StartLBA <= p.EndLBA {
				return Table{}, fmt.Errorf("gpt read: %s: LBAs %d-%d overlap %q (%d-%d)", what, p.StartLBA, p.EndLBA, q.Name, q.StartLBA, q.EndLBA)
			}
		}
		t.Partitions = append(t.Partitions, p)
	}
	return t, nil
}

func readAt(r io.ReaderAt, off int64, n int) ([]byte, error) {
	b := make([]byte, n)
	got, err := r.ReadAt(b, off)
	if got == n {
		return b, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("reading %d bytes at offset %d: %w", n, off, err)
}

// checkMBR wants the 0x55AA signature and a record of type 0xEE.
func checkMBR(b []byte) error {
	if b[510] != 0x55 || b[511] != 0xAA {
		return errors.New("no MBR signature (55 AA) in LBA 0")
	}
	for i := 0; i < 4; i++ {
		if b[mbrRecordStart+16*i+4] == mbrTypeGPT {
			return nil
		}
	}
	return errors.New("the MBR in LBA 0 has no protective (0xEE) record")
}

// readHeader reads and checks the header at LBA lba of a disk of n sectors, and its
// entry array.
func readHeader(r io.ReaderAt, lba, n uint64) (header, []byte, error) {
	b, err := readAt(r, int64(lba)*SectorSize, SectorSize)
	if err != nil {
		return header{}, nil, fmt.Errorf("header: %w", err)
	}
	le := binary.LittleEndian
	if string(b[0:8]) != signature {
		return header{}, nil, fmt.Errorf("no GPT header signature at LBA %d", lba)
	}
	hs := le.Uint32(b[12:])
	if hs < headerSize || hs > SectorSize {
		return header{}, nil, fmt.Errorf("header at LBA %d: size %d out of range", lba, hs)
	}
	want := le.Uint32(b[16:])
	c := bytes.Clone(b[:hs])
	le.PutUint32(c[16:], 0)
	if got := crc32.ChecksumIEEE(c); got != want {
		return header{}, nil, fmt.Errorf("header at LBA %d: CRC32 %08x, want %08x", lba, got, want)
	}
	h := header{
		my: le.Uint64(b[24:]), alternate: le.Uint64(b[32:]),
		firstUsable: le.Uint64(b[40:]), lastUsable: le.Uint64(b[48:]),
		entryLBA: le.Uint64(b[72:]), numEntries: le.Uint32(b[80:]),
		entrySize: le.Uint32(b[84:]), entriesCRC: le.Uint32(b[88:]),
	}
	copy(h.diskGUID[:], b[56:72])
	if h.my != lba {
		return header{}, nil, fmt.Errorf("header at LBA %d says it is at LBA %d", lba, h.my)
	}
	if h.alternate >= n || h.firstUsable > h.lastUsable || h.lastUsable >= n {
		return header{}, nil, fmt.Errorf("header at LBA %d: LBAs out of range (alternate %d, usable %d-%d, disk %d sectors)",
			lba, h.alternate, h.firstUsable, h.lastUsable, n)
	}
	if h.entrySize < EntrySize || h.entrySize%8 != 0 || h.numEntries == 0 ||
		uint64(h.numEntries)*uint64(h.entrySize) > maxEntryArrayBytes {
		return header{}, nil, fmt.Errorf("header at LBA %d: %d entries of %d bytes not supported", lba, h.numEntries, h.entrySize)
	}
	size := int(h.numEntries) * int(h.entrySize)
	sectors := (uint64(size) + SectorSize - 1) / SectorSize
	if h.entryLBA < 1 || h.entryLBA+sectors > n {
		return header{}, nil, fmt.Errorf("header at LBA %d: entry array at LBA %d outside the disk", lba, h.entryLBA)
	}
	e, err := readAt(r, int64(h.entryLBA)*SectorSize, size)
	if err != nil {
		return header{}, nil, fmt.Errorf("entry array: %w", err)
	}
	if got := crc32.ChecksumIEEE(e); got != h.entriesCRC {
		return header{}, nil, fmt.Errorf("entry array at LBA %d: CRC32 %08x, want %08x", h.entryLBA, got, h.entriesCRC)
	}
	return h, e, nil
}

// decodeEntry decodes one entry; used is false for an unused (zero type) entry. The
// name is UTF-16LE up to the first NUL.
func decodeEntry(e []byte) (p Partition, used bool) {
	copy(p.Type[:], e[0:16])
	if p.Type == ([16]byte{}) {
		return Partition{}, false
	}
	le := binary.LittleEndian
	copy(p.GUID[:], e[16:32])
	p.StartLBA = le.Uint64(e[32:])
	p.EndLBA = le.Uint64(e[40:])
	p.Attributes = le.Uint64(e[48:])
	var u []uint16
	for j := 0; j < MaxNameLen; j++ {
		c := le.Uint16(e[56+2*j:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	p.Name = string(utf16.Decode(u))
	return p, true
}
