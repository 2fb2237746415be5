package gpt

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	// SectorSize is the logical sector (LBA) size, in bytes.
	SectorSize = 512
	// NumEntries is the number of entries in each partition entry array.
	NumEntries = 128
	// EntrySize is the size of one partition entry, in bytes.
	EntrySize = 128
	// Alignment is where [Plan] starts partitions: every 1 MiB.
	Alignment = 1 << 20
	// MaxNameLen is the longest partition name, in UTF-16 code units.
	MaxNameLen = 36

	entryArraySectors = NumEntries * EntrySize / SectorSize // 32
	firstUsableLBA    = 2 + entryArraySectors               // 34
	// minSectors: MBR, both headers, both arrays and one usable sector.
	minSectors = 1 + 2*(1+entryArraySectors) + 1
)

// Partition attribute bits.
const (
	AttrRequired      uint64 = 1 << 0  // platform required
	AttrNoBlockIO     uint64 = 1 << 1  // EFI firmware ignores it
	AttrLegacyBoot    uint64 = 1 << 2  // legacy BIOS bootable
	AttrGrowFS        uint64 = 1 << 59 // DPS: grow the file system to the partition
	AttrReadOnly      uint64 = 1 << 60 // DPS: mount read-only
	AttrNoAuto        uint64 = 1 << 63 // DPS: do not mount automatically (the inactive slot)
	sectorsPerAlign          = Alignment / SectorSize
	maxPartitionBytes        = 1 << 62
)

// Partition is one GPT entry. StartLBA and EndLBA are inclusive.
type Partition struct {
	Name       string
	Type       [16]byte
	GUID       [16]byte
	StartLBA   uint64
	EndLBA     uint64
	Attributes uint64
}

// Table is a whole GPT: the disk's size and GUID and its partitions, written to the entry
// array in this order (entry 1 first).
type Table struct {
	DiskGUID   [16]byte
	SizeBytes  int64
	Partitions []Partition
}

// Spec asks [Plan] for a partition. Size is in bytes, a multiple of [SectorSize]; 0 in the
// last Spec means "the rest of the disk".
type Spec struct {
	Name       string
	Type       [16]byte
	Size       int64
	Attributes uint64
}

// DiskGUIDLabel is the label [Table.SetGUIDs] derives the disk GUID from.
const DiskGUIDLabel = "disk"

// SetGUIDs sets the disk GUID to DeriveGUID(identity, "disk") and each partition's GUID to
// DeriveGUID(identity, name). Partition names are unique in a valid table, so the GUIDs
// are too.
func (t *Table) SetGUIDs(identity string) {
	t.DiskGUID = DeriveGUID(identity, DiskGUIDLabel)
	for i := range t.Partitions {
		t.Partitions[i].GUID = DeriveGUID(identity, t.Partitions[i].Name)
	}
}

// sectors is the disk's size in LBAs.
func (t Table) sectors() uint64 { return uint64(t.SizeBytes) / SectorSize }

// lastUsableLBA is the last LBA a partition may use.
func (t Table) lastUsableLBA() uint64 { return t.sectors() - 1 - 1 - entryArraySectors }

// Plan lays specs out in order from 1 MiB on, each partition starting on a 1 MiB
// boundary and Size bytes long; a last Spec with Size 0 takes the rest of the disk: at
// least 1 MiB, up to the last 1 MiB boundary before the end of the usable LBAs. The GUIDs are left zero: set them with [Table.SetGUIDs]. Errors
// name the partition and say how big the disk would need to be.
func Plan(sizeBytes int64, specs []Spec) (Table, error) {
	t := Table{SizeBytes: sizeBytes}
	if err := checkSize(sizeBytes); err != nil {
		return Table{}, fmt.Errorf("gpt plan: %w", err)
	}
	if len(specs) > NumEntries {
		return Table{}, fmt.Errorf("gpt plan: %d partitions, at most %d fit in the entry array", len(specs), NumEntries)
	}
	last := t.lastUsableLBA()
	next := uint64(sectorsPerAlign) // first free LBA, before alignment
	for i, s := range specs {
		what := fmt.Sprintf("partition %d %q", i+1, s.Name)
		if s.Size < 0 || s.Size > maxPartitionBytes || s.Size%SectorSize != 0 {
			return Table{}, fmt.Errorf("gpt plan: %s: size %d bytes: want a positive multiple of %d", what, s.Size, SectorSize)
		}
		if s.Size == 0 && i != len(specs)-1 {
			return Table{}, fmt.Errorf("gpt plan: %s: size 0 (rest of the disk) is only allowed for the last partition", what)
		}
		start := alignUp(next)
		var end uint64
		if s.Size == 0 {
			// The rest of the disk, ending on a 1 MiB boundary too (as the initramfs
			// does when it grows DATA), and at least 1 MiB.
			end = (last+1)/sectorsPerAlign*sectorsPerAlign - 1
			if end < start {
				return Table{}, fmt.Errorf("gpt plan: %s (rest of the disk) would start at LBA %d, less than 1 MiB before the last usable LBA %d: the disk needs at least %d bytes",
					what, start, last, minDiskBytes(start+sectorsPerAlign))
			}
		} else {
			end = start + uint64(s.Size)/SectorSize - 1
			if end > last {
				return Table{}, fmt.Errorf("gpt plan: %s (%d bytes) would end at LBA %d, after the last usable LBA %d: the disk needs at least %d bytes",
					what, s.Size, end, last, minDiskBytes(end+1))
			}
		}
		t.Partitions = append(t.Partitions, Partition{
			Name: s.Name, Type: s.Type, StartLBA: start, EndLBA: end, Attributes: s.Attributes,
		})
		next = end + 1
	}
	if err := t.validate(false); err != nil {
		return Table{}, fmt.Errorf("gpt plan: %w", err)
	}
	return t, nil
}

func alignUp(lba uint64) uint64 {
	return (lba + sectorsPerAlign - 1) / sectorsPerAlign * sectorsPerAlign
}

// minDiskBytes is the size of the smallest disk whose last usable LBA is usableEnd-1.
func minDiskBytes(usableEnd uint64) uint64 {
	return (usableEnd + 1 + entryArraySectors) * SectorSize
}

func checkSize(sizeBytes int64) error {
	if sizeBytes <= 0 || sizeBytes%SectorSize != 0 {
		return fmt.Errorf("disk size %d bytes: want a positive multiple of %d", sizeBytes, SectorSize)
	}
	if sizeBytes/SectorSize < minSectors {
		return fmt.Errorf("disk size %d bytes: too small for a GPT (at least %d bytes)", sizeBytes, minSectors*SectorSize)
	}
	return nil
}

// Validate checks that t can be written: a sound disk size, at most 128 partitions, each
// with a type, a non-zero GUID, a unique name of at most 36 UTF-16 code units, inside the
// usable LBAs, and no two overlapping or sharing a GUID.
func (t Table) Validate() error { return t.validate(true) }

func (t Table) validate(guids bool) error {
	if err := checkSize(t.SizeBytes); err != nil {
		return err
	}
	if len(t.Partitions) > NumEntries {
		return fmt.Errorf("%d partitions, at most %d fit in the entry array", len(t.Partitions), NumEntries)
	}
	if guids && t.DiskGUID == ([16]byte{}) {
		return errors.New("disk GUID is zero: set it with DeriveGUID (Table.SetGUIDs)")
	}
	last := t.lastUsableLBA()
	names := map[string]int{}
	seen := map[[16]byte]int{}
	for i, p := range t.Partitions {
		what := fmt.Sprintf("partition %d %q", i+1, p.Name)
		if err := checkName(p.Name); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if j, ok := names[p.Name]; ok {
			return fmt.Errorf("%s: same name as partition %d", what, j+1)
		}
		names[p.Name] = i
		if p.Type == ([16]byte{}) {
			return fmt.Errorf("%s: type GUID is zero (that marks an unused entry)", what)
		}
		if guids {
			if p.GUID == ([16]byte{}) {
				return fmt.Errorf("%s: unique GUID is zero: set it with DeriveGUID (Table.SetGUIDs)", what)
			}
			if j, ok := seen[p.GUID]; ok {
				return fmt.Errorf("%s: same unique GUID %s as partition %d", what, GUIDString(p.GUID), j+1)
			}
			seen[p.GUID] = i
		}
		if p.StartLBA > p.EndLBA {
			return fmt.Errorf("%s: start LBA %d after end LBA %d", what, p.StartLBA, p.EndLBA)
		}
		if p.StartLBA < firstUsableLBA || p.EndLBA > last {
			return fmt.Errorf("%s: LBAs %d-%d outside the usable LBAs %d-%d", what, p.StartLBA, p.EndLBA, firstUsableLBA, last)
		}
		for j, q := range t.Partitions[:i] {
			if p.StartLBA <= q.EndLBA && q.StartLBA <= p.EndLBA {
				return fmt.Errorf("%s: LBAs %d-%d overlap partition %d %q (%d-%d)", what, p.StartLBA, p.EndLBA, j+1, q.Name, q.StartLBA, q.EndLBA)
			}
		}
	}
	return nil
}

func checkName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if !utf8.ValidString(name) {
		return errors.New("name is not valid UTF-8")
	}
	for _, r := range name {
		if r == 0 {
			return errors.New("name contains NUL")
		}
	}
	if n := len(utf16.Encode([]rune(name))); n > MaxNameLen {
		return fmt.Errorf("name is %d UTF-16 code units long, at most %d fit", n, MaxNameLen)
	}
	return nil
}
