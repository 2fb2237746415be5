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

// Entry is one used entry of a GPT partition entry array.
type Entry struct {
	Number     int    // 1-based entry number (the kernel's PARTN)
	Type       string // partition type GUID, lower case
	UUID       string // unique partition GUID (PARTUUID), lower case
	Name       string // partition name: "ESP", "ROOT-A", ...
	FirstLBA   uint64 // first LBA of the partition
	LastLBA    uint64 // last LBA of the partition, inclusive
	Attributes uint64 // attribute flags
}

// Options says what disk the GPT is read from.
type Options struct {
	// BlockSize is the logical block size in bytes; 0 means 512.
	BlockSize int64
	// DiskSize is the size of the disk in bytes, which places the backup copy at its
	// last block; 0 (unknown) means only the primary copy is read.
	DiskSize int64
}

func (o Options) blockSize() (int64, error) {
	switch {
	case o.BlockSize == 0:
		return 512, nil
	case o.BlockSize < 512:
		return 0, fmt.Errorf("logical block size %d", o.BlockSize)
	}
	return o.BlockSize, nil
}

// Read reads the GPT: the primary copy if its checksums hold, else the backup at the
// last block of a disk of o.DiskSize bytes. It returns the used entries.
func Read(r io.ReaderAt, o Options) ([]Entry, error) {
	lbs, err := o.blockSize()
	if err != nil {
		return nil, err
	}
	es, err := ReadAt(r, 1, o)
	if err == nil {
		return es, nil
	}
	if o.DiskSize < 2*lbs {
		return nil, fmt.Errorf("primary GPT: %w", err)
	}
	es, berr := ReadAt(r, o.DiskSize/lbs-1, o)
	if berr != nil {
		return nil, fmt.Errorf("primary GPT: %v; backup GPT: %w", err, berr)
	}
	return es, nil
}

// ReadAt reads the GPT copy whose header is at LBA lba, checking the header and
// entry-array CRC32s, and returns its used entries (those with a type GUID).
func ReadAt(r io.ReaderAt, lba int64, o Options) ([]Entry, error) {
	lbs, err := o.blockSize()
	if err != nil {
		return nil, err
	}
	hdr := make([]byte, 512)
	if _, err := r.ReadAt(hdr, lba*lbs); err != nil {
		return nil, fmt.Errorf("read GPT header: %w", err)
	}
	le := binary.LittleEndian
	if string(hdr[0:8]) != "EFI PART" {
		return nil, errors.New("no GPT signature")
	}
	hsize := le.Uint32(hdr[12:])
	if hsize < 92 || hsize > 512 {
		return nil, fmt.Errorf("GPT header size %d", hsize)
	}
	h := append([]byte(nil), hdr[:hsize]...)
	want := le.Uint32(h[16:])
	le.PutUint32(h[16:], 0)
	if crc32.ChecksumIEEE(h) != want {
		return nil, errors.New("GPT header checksum mismatch")
	}
	start, n, esize := int64(le.Uint64(hdr[72:])), le.Uint32(hdr[80:]), le.Uint32(hdr[84:])
	if esize < 128 || esize > 4096 || esize%8 != 0 || n == 0 || n > 1024 {
		return nil, fmt.Errorf("GPT with %d entries of %d bytes", n, esize)
	}
	arr := make([]byte, int(n)*int(esize))
	if _, err := r.ReadAt(arr, start*lbs); err != nil {
		return nil, fmt.Errorf("read GPT entries: %w", err)
	}
	if crc32.ChecksumIEEE(arr) != le.Uint32(hdr[88:]) {
		return nil, errors.New("GPT entries checksum mismatch")
	}
	var out []Entry
	for i := 0; i < int(n); i++ {
		e := arr[i*int(esize):][:esize]
		if bytes.Equal(e[0:16], make([]byte, 16)) {
			continue // unused entry: zero type GUID
		}
		out = append(out, parseEntry(i+1, e))
	}
	return out, nil
}

// parseEntry decodes the first 128 bytes of entry number n.
func parseEntry(n int, e []byte) Entry {
	le := binary.LittleEndian
	name := make([]uint16, 0, 36)
	for j := 56; j+1 < 128; j += 2 {
		c := le.Uint16(e[j:])
		if c == 0 {
			break
		}
		name = append(name, c)
	}
	return Entry{
		Number:     n,
		Type:       GUIDString(e[0:16]),
		UUID:       GUIDString(e[16:32]),
		FirstLBA:   le.Uint64(e[32:]),
		LastLBA:    le.Uint64(e[40:]),
		Attributes: le.Uint64(e[48:]),
		Name:       string(utf16.Decode(name)),
	}
}

// GUIDString formats a GUID stored in GPT (mixed-endian) byte order, lower case.
func GUIDString(b []byte) string {
	le := binary.LittleEndian
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", le.Uint32(b[0:]), le.Uint16(b[4:]), le.Uint16(b[6:]), b[8:10], b[10:16])
}
