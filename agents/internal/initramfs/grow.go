package initramfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/kitbash-dev/kitbash/agents/internal/gpt"
	"github.com/kitbash-dev/kitbash/agents/internal/sysblock"
)

// Growing DATA on first boot (see the package documentation).
//
// The image is assembled small; the disk it is written to is usually bigger. Before
// DATA's file system is made, DATA is grown to the end of the disk when it is the last
// partition there: both GPT copies are rewritten with DATA ending at the last 1 MiB
// boundary within the last usable LBA, the backup copy moved to the end of the disk,
// and the kernel told the new extent with BLKPG_RESIZE_PARTITION. Every GUID,
// attribute and name is kept; nothing is random.
//
// The copies are written so that one of them is valid, old or new, after every step:
// first the protective MBR's size (LBA 0, in neither copy), then the copy that was not
// read (normally the backup: entries and header at the end of the disk, one write),
// then the one that was read (normally the primary: header and entries, one write when
// contiguous), each write followed by a sync. A power cut inside the primary write
// leaves an invalid primary and the new backup at the last LBA: UEFI firmware (and
// Linux with "gpt" on its command line) uses the backup and restores the primary from
// it, and so does growGPT when it next runs. Linux without "gpt" reads only the
// primary; no order of writes avoids that window, only its length is kept short.

// Disk is a whole-disk block device open for reading and writing.
type Disk interface {
	io.ReaderAt
	io.WriterAt
	// Size is the size of the device in bytes.
	Size() int64
	// Sync flushes what was written to the device (fsync).
	Sync() error
	Close() error
}

// fileDisk is a Disk on an open file: a block device on the real system, a regular
// file in tests.
type fileDisk struct {
	*os.File
	size int64
}

func (d fileDisk) Size() int64 { return d.size }

// openFileDisk opens a block device (or a regular file standing in for one) for
// reading and writing; its size is where it ends.
func openFileDisk(p string) (Disk, error) {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("size of %s: %w", p, err)
	}
	return fileDisk{File: f, size: size}, nil
}

// BLKPG (linux/blkpg.h): ioctl(disk fd, BLKPG, &blkpgIoctlArg{Op: BLKPG_RESIZE_PARTITION,
// Data: &blkpgPartition{...}}). Start and Length are in bytes; the kernel keeps the
// start and checks that the new extent overlaps no other partition.
const (
	blkpgIoctl           = 0x1269 // _IO(0x12, 105)
	blkpgResizePartition = 3
)

// blkpgIoctlArg is struct blkpg_ioctl_arg; Go lays it out as C does on every Linux
// architecture (the pointer after three ints is aligned to its size).
type blkpgIoctlArg struct {
	Op      int32
	Flags   int32
	Datalen int32
	Data    *blkpgPartition
}

// blkpgPartition is struct blkpg_partition (the names are informative only; the
// kernel ignores them). The padding makes it 152 bytes everywhere: C pads it so where
// long long is 8-aligned (amd64, arm64, arm), and the kernel copies sizeof() bytes.
type blkpgPartition struct {
	Start   int64
	Length  int64
	Pno     int32
	Devname [64]byte
	Volname [64]byte
	_       [4]byte
}

// GPT header fields (UEFI 2.x, 5.3.2), byte offsets.
const (
	gptHdrCRC         = 16
	gptHdrMyLBA       = 24
	gptHdrAltLBA      = 32
	gptHdrFirstUsable = 40
	gptHdrLastUsable  = 48
	gptHdrEntryLBA    = 72
	gptHdrNumEntries  = 80
	gptHdrEntrySize   = 84
	gptHdrEntriesCRC  = 88
)

// GPT partition entry fields (UEFI 2.x, 5.3.3), byte offsets; EndingLBA is inclusive.
const (
	gptEntUnique = 16
	gptEntStart  = 32
	gptEntEnd    = 40
)

const (
	// growAlign is the alignment of DATA's new end (exclusive), in bytes.
	growAlign = 1 << 20
	// gptMinEntryArea is the space the UEFI specification reserves for an entry array,
	// whatever the number of entries: 128 entries of 128 bytes.
	gptMinEntryArea = 16384
)

// gptTable is one GPT copy as read: its header (HeaderSize bytes) and entry array.
type gptTable struct {
	header  []byte
	entries []byte
}

func (t gptTable) field(off int) int64 { return int64(binary.LittleEndian.Uint64(t.header[off:])) }

func (t gptTable) entrySize() int { return int(binary.LittleEndian.Uint32(t.header[gptHdrEntrySize:])) }

func (t gptTable) numEntries() int {
	return int(binary.LittleEndian.Uint32(t.header[gptHdrNumEntries:]))
}

func (t gptTable) entry(i int) []byte { return t.entries[i*t.entrySize():][:t.entrySize()] }

func (t gptTable) used(i int) bool { return !allZero(t.entry(i)[:16]) } // type GUID not zero

func allZero(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }

// entryLBAs is how many LBAs the entry array takes.
func (t gptTable) entryLBAs(lbs int64) int64 {
	return (int64(len(t.entries)) + lbs - 1) / lbs
}

// readGPTTable reads and checks the GPT header at lba of a disk of diskLBAs LBAs, and
// its entry array.
func readGPTTable(r io.ReaderAt, lbs, lba, diskLBAs int64) (gptTable, error) {
	le := binary.LittleEndian
	blk := make([]byte, lbs)
	if _, err := r.ReadAt(blk, lba*lbs); err != nil {
		return gptTable{}, fmt.Errorf("read GPT header at LBA %d: %w", lba, err)
	}
	if string(blk[0:8]) != "EFI PART" {
		return gptTable{}, fmt.Errorf("no GPT signature at LBA %d", lba)
	}
	hsize := int64(le.Uint32(blk[12:]))
	if hsize < 92 || hsize > lbs {
		return gptTable{}, fmt.Errorf("GPT header size %d at LBA %d", hsize, lba)
	}
	t := gptTable{header: append([]byte(nil), blk[:hsize]...)}
	if gptHeaderCRC(t.header) != le.Uint32(t.header[gptHdrCRC:]) {
		return gptTable{}, fmt.Errorf("GPT header checksum mismatch at LBA %d", lba)
	}
	if my := t.field(gptHdrMyLBA); my != lba {
		return gptTable{}, fmt.Errorf("GPT header at LBA %d says it is at LBA %d", lba, my)
	}
	n, esize := int64(t.numEntries()), int64(t.entrySize())
	if esize < 128 || esize%8 != 0 || n == 0 || n*esize > 1<<20 {
		return gptTable{}, fmt.Errorf("GPT with %d entries of %d bytes", n, esize)
	}
	first, last := t.field(gptHdrFirstUsable), t.field(gptHdrLastUsable)
	if last < first {
		return gptTable{}, fmt.Errorf("GPT usable LBAs %d to %d", first, last)
	}
	start := t.field(gptHdrEntryLBA)
	if end := start + (n*esize+lbs-1)/lbs; start < 1 || start == lba || end > diskLBAs || (start < lba && end > lba) {
		return gptTable{}, fmt.Errorf("GPT entries at LBA %d outside the disk", start)
	}
	t.entries = make([]byte, n*esize)
	if _, err := r.ReadAt(t.entries, start*lbs); err != nil {
		return gptTable{}, fmt.Errorf("read GPT entries at LBA %d: %w", start, err)
	}
	if crc32.ChecksumIEEE(t.entries) != le.Uint32(t.header[gptHdrEntriesCRC:]) {
		return gptTable{}, fmt.Errorf("GPT entries checksum mismatch (header at LBA %d)", lba)
	}
	return t, nil
}

// gptHeaderCRC is the CRC32 of a header with its own CRC field taken as zero.
func gptHeaderCRC(h []byte) uint32 {
	c := append([]byte(nil), h...)
	binary.LittleEndian.PutUint32(c[gptHdrCRC:], 0)
	return crc32.ChecksumIEEE(c)
}

// gptHeaderBlock is a header for one copy of entries, as a whole LBA (zero after the
// header, as the specification wants).
func gptHeaderBlock(base []byte, lbs, my, alt, lastUsable, entryLBA int64, entries []byte) []byte {
	le := binary.LittleEndian
	h := append([]byte(nil), base...)
	le.PutUint64(h[gptHdrMyLBA:], uint64(my))
	le.PutUint64(h[gptHdrAltLBA:], uint64(alt))
	le.PutUint64(h[gptHdrLastUsable:], uint64(lastUsable))
	le.PutUint64(h[gptHdrEntryLBA:], uint64(entryLBA))
	le.PutUint32(h[gptHdrEntriesCRC:], crc32.ChecksumIEEE(entries))
	le.PutUint32(h[gptHdrCRC:], gptHeaderCRC(h))
	blk := make([]byte, lbs)
	copy(blk, h)
	return blk
}

// growResult is what growGPT did.
type growResult struct {
	Grown    bool   // DATA now ends at the end of the disk; tell the kernel
	Repaired string // "primary" or "backup": that copy was invalid and was rewritten
	Pno      int    // DATA's partition number (entry index + 1)
	Start    int64  // DATA's start, in bytes
	OldLen   int64  // DATA's length before, in bytes
	Len      int64  // DATA's length now, in bytes
}

// growGPT grows the partition with unique GUID uuid (lower case) to the end of the disk
// d, whose logical block size is lbs, when it is the last partition there and a later
// growAlign boundary fits before the new last usable LBA; see the top of this file. It
// also rewrites a GPT copy left invalid by an interrupted grow. pno, when not 0, is the
// kernel's number for that partition, which must be its entry's.
func growGPT(d Disk, lbs int64, uuid string, pno int) (growResult, error) {
	var res growResult
	if lbs < 512 || lbs&(lbs-1) != 0 {
		return res, fmt.Errorf("logical block size %d", lbs)
	}
	diskLBAs := d.Size() / lbs
	lastLBA := diskLBAs - 1
	if diskLBAs < 3 {
		return res, fmt.Errorf("disk of %d bytes", d.Size())
	}
	src, perr := readGPTTable(d, lbs, 1, diskLBAs)
	primaryOK := perr == nil
	if !primaryOK {
		var berr error
		if src, berr = readGPTTable(d, lbs, lastLBA, diskLBAs); berr != nil {
			return res, fmt.Errorf("primary GPT: %v; backup GPT: %v", perr, berr)
		}
	}
	idx := -1
	for i := 0; i < src.numEntries(); i++ {
		if src.used(i) && gpt.GUIDString(src.entry(i)[gptEntUnique:]) == uuid {
			idx = i
			break
		}
	}
	if idx < 0 {
		return res, fmt.Errorf("no GPT entry with unique GUID %s", uuid)
	}
	if pno != 0 && pno != idx+1 {
		return res, fmt.Errorf("GPT entry %d has GUID %s but the kernel calls it partition %d", idx+1, uuid, pno)
	}
	le := binary.LittleEndian
	e := src.entry(idx)
	start, end := int64(le.Uint64(e[gptEntStart:])), int64(le.Uint64(e[gptEntEnd:]))
	if start < src.field(gptHdrFirstUsable) || end < start {
		return res, fmt.Errorf("GPT entry %d spans LBAs %d to %d", idx+1, start, end)
	}
	res.Pno, res.Start = idx+1, start*lbs
	res.OldLen, res.Len = (end-start+1)*lbs, (end-start+1)*lbs

	// DATA is last when every other partition ends before it starts.
	last, maxEnd := true, end
	for i := 0; i < src.numEntries(); i++ {
		if !src.used(i) || i == idx {
			continue
		}
		e := int64(le.Uint64(src.entry(i)[gptEntEnd:]))
		last = last && e < start
		maxEnd = max(maxEnd, e)
	}
	arrLBAs := src.entryLBAs(lbs)
	reserved := max(int64(len(src.entries)), gptMinEntryArea)
	newLastUsable := lastLBA - (reserved+lbs-1)/lbs - 1
	backupEntryLBA := lastLBA - arrLBAs
	align := max(growAlign/lbs, 1)
	newEnd := (newLastUsable+1)/align*align - 1
	grow := last && newEnd > end

	// Where the primary's entries go: where they were, or (rebuilding the primary from
	// the backup) LBA 2, as every partitioning tool puts them.
	primaryEntryLBA := int64(2)
	if primaryOK {
		primaryEntryLBA = src.field(gptHdrEntryLBA)
	}
	checkPrimaryEntries := func() error {
		if primaryEntryLBA+arrLBAs > src.field(gptHdrFirstUsable) {
			return fmt.Errorf("GPT primary entries at LBA %d overlap the first usable LBA %d", primaryEntryLBA, src.field(gptHdrFirstUsable))
		}
		return nil
	}

	switch {
	case grow:
		if err := checkPrimaryEntries(); err != nil {
			return res, err
		}
		entries := append([]byte(nil), src.entries...)
		le.PutUint64(entries[idx*src.entrySize()+gptEntEnd:], uint64(newEnd))
		primary := gptHeaderBlock(src.header, lbs, 1, lastLBA, newLastUsable, primaryEntryLBA, entries)
		backup := gptHeaderBlock(src.header, lbs, lastLBA, 1, newLastUsable, backupEntryLBA, entries)
		if err := fixProtectiveMBR(d, lastLBA); err != nil {
			return res, err
		}
		writeBackup := func() error { return writeBackupGPT(d, lbs, backupEntryLBA, backup, entries) }
		writePrimary := func() error { return writePrimaryGPT(d, lbs, primaryEntryLBA, primary, entries) }
		first, second := writeBackup, writePrimary
		if !primaryOK { // never overwrite the only valid copy first
			first, second = writePrimary, writeBackup
			res.Repaired = "primary"
		}
		if err := first(); err != nil {
			return res, err
		}
		if err := second(); err != nil {
			return res, err
		}
		res.Grown, res.Len = true, (newEnd-start+1)*lbs
	case !primaryOK:
		// The backup at the end of the disk is valid and the primary is not (a power
		// cut during the primary write of an earlier grow): rebuild the primary.
		if err := checkPrimaryEntries(); err != nil {
			return res, err
		}
		primary := gptHeaderBlock(src.header, lbs, 1, lastLBA, src.field(gptHdrLastUsable), primaryEntryLBA, src.entries)
		if err := writePrimaryGPT(d, lbs, primaryEntryLBA, primary, src.entries); err != nil {
			return res, err
		}
		res.Repaired = "primary"
	case src.field(gptHdrAltLBA) == lastLBA && backupEntryLBA > max(src.field(gptHdrLastUsable), maxEnd) && !isBackupOf(d, lbs, src, lastLBA):
		// The primary says its backup is at the end of the disk, and that is missing or
		// not the primary's (a power cut after the primary, rebuilt from the backup,
		// was written): rewrite the backup.
		backup := gptHeaderBlock(src.header, lbs, lastLBA, 1, src.field(gptHdrLastUsable), backupEntryLBA, src.entries)
		if err := writeBackupGPT(d, lbs, backupEntryLBA, backup, src.entries); err != nil {
			return res, err
		}
		res.Repaired = "backup"
	}
	return res, nil
}

// isBackupOf says whether the header at lba is a valid backup of primary: the same
// entries, the same header but for MyLBA, AlternateLBA and PartitionEntryLBA (and so the
// CRC), and AlternateLBA 1.
func isBackupOf(r io.ReaderAt, lbs int64, primary gptTable, lba int64) bool {
	b, err := readGPTTable(r, lbs, lba, lba+1)
	if err != nil || b.field(gptHdrAltLBA) != 1 || !bytes.Equal(b.entries, primary.entries) || len(b.header) != len(primary.header) {
		return false
	}
	h1, h2 := append([]byte(nil), primary.header...), append([]byte(nil), b.header...)
	for _, h := range [][]byte{h1, h2} {
		clear(h[gptHdrCRC : gptHdrCRC+4])
		for _, off := range []int{gptHdrMyLBA, gptHdrAltLBA, gptHdrEntryLBA} {
			clear(h[off : off+8])
		}
	}
	return bytes.Equal(h1, h2)
}

// writeBackupGPT writes the backup entries and, right after them at the last LBA, the
// backup header: one write.
func writeBackupGPT(d Disk, lbs, entryLBA int64, header, entries []byte) error {
	return writeSync(d, "backup GPT", entryLBA*lbs, append(padLBAs(entries, lbs), header...))
}

// writePrimaryGPT writes the primary header at LBA 1 and its entries: one write when
// they are contiguous, else the entries and then the header.
func writePrimaryGPT(d Disk, lbs, entryLBA int64, header, entries []byte) error {
	if entryLBA == 2 {
		return writeSync(d, "primary GPT", lbs, append(append([]byte(nil), header...), entries...))
	}
	if err := writeSync(d, "primary GPT entries", entryLBA*lbs, entries); err != nil {
		return err
	}
	return writeSync(d, "primary GPT header", lbs, header)
}

func padLBAs(b []byte, lbs int64) []byte {
	n := (int64(len(b)) + lbs - 1) / lbs * lbs
	return append(append([]byte(nil), b...), make([]byte, n-int64(len(b)))...)
}

func writeSync(d Disk, what string, off int64, b []byte) error {
	if _, err := d.WriteAt(b, off); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", what, err)
	}
	return nil
}

// fixProtectiveMBR makes a protective MBR (one partition, type 0xEE, from LBA 1) cover
// the whole disk, as the specification wants: its size becomes lastLBA, or 0xFFFFFFFF
// when that does not fit. Anything else in LBA 0 (no MBR, a hybrid MBR) is left alone.
func fixProtectiveMBR(d Disk, lastLBA int64) error {
	mbr := make([]byte, 512)
	if _, err := d.ReadAt(mbr, 0); err != nil {
		return fmt.Errorf("read protective MBR: %w", err)
	}
	if mbr[510] != 0x55 || mbr[511] != 0xAA {
		return nil
	}
	le := binary.LittleEndian
	pmbr := -1
	for k := 0; k < 4; k++ {
		p := mbr[446+16*k:][:16]
		switch {
		case p[4] == 0 && allZero(p):
		case p[4] == 0xEE && le.Uint32(p[8:]) == 1 && pmbr < 0:
			pmbr = k
		default:
			return nil
		}
	}
	if pmbr < 0 {
		return nil
	}
	want := uint32(min(lastLBA, 0xFFFFFFFF))
	off := 446 + 16*pmbr + 12
	if le.Uint32(mbr[off:]) == want {
		return nil
	}
	var b [4]byte
	le.PutUint32(b[:], want)
	return writeSync(d, "protective MBR", int64(off), b[:])
}

// diskOf finds the whole disk holding the partition whose node is dev ("/dev/vda5"):
// its node ("/dev/vda"), its logical block size, and the partition's number (0 when
// the kernel does not say).
func diskOf(fsys fs.FS, dev string) (disk string, lbs int64, pno int, err error) {
	disks, err := fs.ReadDir(fsys, "sys/block")
	if err != nil {
		return "", 0, 0, err
	}
	for _, d := range disks {
		dir := path.Join("sys/block", d.Name())
		for _, p := range sysblock.Partitions(fsys, dir) {
			if p.Dev != dev {
				continue
			}
			ev, err := sysblock.Uevent(fsys, path.Join(dir, "uevent"))
			if err != nil || ev["DEVNAME"] == "" {
				return "", 0, 0, fmt.Errorf("disk %s: no DEVNAME in uevent", d.Name())
			}
			lbs := int64(512)
			b, err := fs.ReadFile(fsys, path.Join(dir, "queue/logical_block_size"))
			if err == nil {
				if lbs, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err != nil {
					return "", 0, 0, fmt.Errorf("disk %s: logical block size %q", d.Name(), strings.TrimSpace(string(b)))
				}
			} else if !errors.Is(err, fs.ErrNotExist) {
				return "", 0, 0, fmt.Errorf("disk %s: %w", d.Name(), err)
			}
			return "/dev/" + ev["DEVNAME"], lbs, p.Number, nil
		}
	}
	return "", 0, 0, fmt.Errorf("no disk in /sys/block has partition %s", dev)
}

// growData grows DATA (node dev, unique GUID uuid) to the end of its disk when it is
// the last partition there, and tells the kernel its new size.
func growData(sys System, dev, uuid string) error {
	disk, lbs, pno, err := diskOf(sys, dev)
	if err != nil {
		return err
	}
	d, err := sys.OpenDisk(disk)
	if err != nil {
		return fmt.Errorf("open %s: %w", disk, err)
	}
	res, err := growGPT(d, lbs, uuid, pno)
	if cerr := d.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", disk, cerr)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", disk, err)
	}
	if res.Repaired != "" {
		sys.Console(fmt.Sprintf("kitbash: %s GPT of %s was invalid; rewritten", res.Repaired, disk))
	}
	if !res.Grown {
		return nil
	}
	sys.Console(fmt.Sprintf("kitbash: DATA %s grown from %d to %d bytes (GPT of %s rewritten)", dev, res.OldLen, res.Len, disk))
	if err := sys.BlkpgResize(disk, res.Pno, res.Start, res.Len); err != nil {
		return fmt.Errorf("BLKPG_RESIZE_PARTITION %s partition %d (start %d, length %d): %w", disk, res.Pno, res.Start, res.Len, err)
	}
	return nil
}
