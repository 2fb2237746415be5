package initramfs

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unsafe"

	"github.com/kitbash-dev/kitbash/agents/internal/gpt"
	"github.com/kitbash-dev/kitbash/agents/internal/gpt/gpttest"
)

// The fake's disk operations (the fake is in fake_test.go): OpenDisk gives the bytes
// of the MapFS file, BlkpgResize is recorded.

func (f *fake) OpenDisk(p string) (Disk, error) {
	if err := f.call("opendisk " + p); err != nil {
		return nil, err
	}
	mf := f.MapFS[rel(p)]
	if mf == nil {
		return nil, fs.ErrNotExist
	}
	return memDisk{mf}, nil
}

func (f *fake) BlkpgResize(disk string, pno int, start, length int64) error {
	return f.call(fmt.Sprintf("blkpg %s %d %d %d", disk, pno, start, length))
}

// memDisk is a Disk on a MapFS file; like a disk, it does not grow.
type memDisk struct{ f *fstest.MapFile }

func (d memDisk) ReadAt(b []byte, off int64) (int, error) {
	return bytes.NewReader(d.f.Data).ReadAt(b, off)
}

func (d memDisk) WriteAt(b []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(b)) > int64(len(d.f.Data)) {
		return 0, fmt.Errorf("write of %d bytes at %d beyond the disk", len(b), off)
	}
	return copy(d.f.Data[off:], b), nil
}

func (d memDisk) Size() int64 { return int64(len(d.f.Data)) }
func (memDisk) Sync() error   { return nil }
func (memDisk) Close() error  { return nil }

// Partition type GUIDs (Discoverable Partitions Specification).
const (
	typeESP      = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
	typeRoot     = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
	typeVerity   = "2c7357ed-ebd2-46d9-aec1-23d437ec2bf5"
	typeLinux    = "0fc63daf-8483-4772-8e79-3d69d8477de4"
	uuidRootB    = "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0a05"
	uuidHashB    = "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0a06"
	testDiskGUID = "11111111-2222-4333-8444-555555555555"
	mib          = 1 << 20
)

type testPart struct {
	typ, uuid, name string
	start, end      int64 // LBAs, inclusive
	attrs           uint64
}

// imageLayout is a Kitbash image: ESP, ROOT and HASH of slots A and B, PRIVATE, DATA,
// each 256 KiB from 1 MiB on; the image is 3 MiB.
func imageLayout(lbs int64) []testPart {
	n := int64(256 << 10 / lbs)
	parts := []testPart{
		{typ: typeESP, uuid: uuidESP, name: "ESP", attrs: 1},
		{typ: typeRoot, uuid: uuidRoot, name: "ROOT-A", attrs: 1<<60 | 1<<48},
		{typ: typeVerity, uuid: uuidHash, name: "HASH-A", attrs: 1 << 60},
		{typ: typeRoot, uuid: uuidRootB, name: "ROOT-B"},
		{typ: typeVerity, uuid: uuidHashB, name: "HASH-B"},
		{typ: typeLinux, uuid: uuidPriv, name: "PRIVATE"},
		{typ: typeLinux, uuid: uuidData, name: "DATA", attrs: 1 << 59},
	}
	for i := range parts {
		parts[i].start = mib/lbs + int64(i)*n
		parts[i].end = parts[i].start + n - 1
	}
	return parts
}

// buildGPT writes a GPT disk image of imageLBAs LBAs to a new file, the partitions'
// contents filled with a pattern, then makes the file diskBytes long (as writing the
// image to a bigger disk does). entryLBA is where the primary entries go (2 as usual).
func buildGPT(t *testing.T, lbs, imageLBAs, diskBytes, entryLBA int64, parts []testPart) string {
	t.Helper()
	l := gpttest.Layout{
		BlockSize: lbs, Blocks: imageLBAs, Entries: 128, EntriesLBA: entryLBA,
		DiskGUID: testDiskGUID, ProtectiveMBR: true,
	}
	l.FirstUsable, l.LastUsable = mib/lbs, l.BackupEntriesLBA()-1
	es := make([]gpt.Entry, len(parts))
	for i, p := range parts {
		es[i] = gpt.Entry{Number: i + 1, Type: p.typ, UUID: p.uuid, Name: p.name,
			FirstLBA: uint64(p.start), LastLBA: uint64(p.end), Attributes: p.attrs}
	}
	img := gpttest.Image(l, es...)
	le := binary.LittleEndian
	for i, p := range parts {
		for off := p.start * lbs; off < (p.end+1)*lbs; off += 8 {
			le.PutUint64(img[off:], uint64(i+1)<<56|uint64(off))
		}
	}
	p := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, diskBytes); err != nil {
		t.Fatal(err)
	}
	return p
}

func openTestDisk(t *testing.T, p string) Disk {
	t.Helper()
	d, err := openFileDisk(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func growFile(t *testing.T, p string, lbs int64, uuid string, pno int) (growResult, error) {
	t.Helper()
	d, err := openFileDisk(p)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return growGPT(d, lbs, uuid, pno)
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkGrownGPT checks both GPT copies of a grown disk: valid, the backup at the last
// LBA with its entries just before it, the same entries in both, the headers the same
// but for their positions. It returns the entries.
func checkGrownGPT(t *testing.T, p string, lbs, entryLBA int64, diskGUID string) []byte {
	t.Helper()
	d := openTestDisk(t, p)
	lbas := d.Size() / lbs
	last := lbas - 1
	pri, err := readGPTTable(d, lbs, 1, lbas)
	if err != nil {
		t.Fatalf("primary: %v", err)
	}
	bak, err := readGPTTable(d, lbs, last, lbas)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	// The package's lookup (partuuid.go, through agents/internal/gpt) reads both as well.
	for _, lba := range []int64{1, last} {
		if _, err := gpt.ReadAt(d, lba, gpt.Options{BlockSize: lbs}); err != nil {
			t.Fatalf("gpt.ReadAt %d: %v", lba, err)
		}
	}
	if !bytes.Equal(pri.entries, bak.entries) {
		t.Fatal("primary and backup entries differ")
	}
	arr := int64(len(pri.entries)) / lbs
	want := map[string][2]int64{
		"MyLBA":         {pri.field(gptHdrMyLBA), 1},
		"AlternateLBA":  {pri.field(gptHdrAltLBA), last},
		"LastUsableLBA": {pri.field(gptHdrLastUsable), last - 16384/lbs - 1},
		"EntryLBA":      {pri.field(gptHdrEntryLBA), entryLBA},
		"backup MyLBA":  {bak.field(gptHdrMyLBA), last},
		"backup Alt":    {bak.field(gptHdrAltLBA), 1},
		"backup Last":   {bak.field(gptHdrLastUsable), last - 16384/lbs - 1},
		"backup Entry":  {bak.field(gptHdrEntryLBA), last - arr},
	}
	if lbs == 512 {
		want["LastUsableLBA = sectors - 34"] = [2]int64{pri.field(gptHdrLastUsable), lbas - 34}
	}
	for k, v := range want {
		if v[0] != v[1] {
			t.Errorf("%s = %d, want %d", k, v[0], v[1])
		}
	}
	// The headers differ only in MyLBA, AlternateLBA, PartitionEntryLBA and the CRC.
	h1, h2 := append([]byte(nil), pri.header...), append([]byte(nil), bak.header...)
	for _, h := range [][]byte{h1, h2} {
		clear(h[gptHdrCRC : gptHdrCRC+4])
		for _, off := range []int{gptHdrMyLBA, gptHdrAltLBA, gptHdrEntryLBA} {
			clear(h[off : off+8])
		}
	}
	if !bytes.Equal(h1, h2) {
		t.Errorf("headers differ:\n%x\n%x", h1, h2)
	}
	if gpt.GUIDString(pri.header[56:72]) != strings.ToLower(diskGUID) {
		t.Errorf("disk GUID %s", gpt.GUIDString(pri.header[56:72]))
	}
	return pri.entries
}

func entryEnd(entries []byte, i int) int64 {
	return int64(binary.LittleEndian.Uint64(entries[i*128+gptEntEnd:]))
}

func TestGrowGPT(t *testing.T) {
	for _, c := range []struct {
		lbs, entryLBA int64
		wantEnd       int64 // DATA's new last LBA on a 6 MiB disk
	}{
		{512, 2, 5*2048 - 1}, // last usable 12288-34: the 5 MiB boundary
		{4096, 2, 5*256 - 1}, // last usable 1536-6
		{512, 8, 5*2048 - 1}, // primary entries not right after the header
	} {
		t.Run(fmt.Sprintf("lbs%d-entries%d", c.lbs, c.entryLBA), func(t *testing.T) {
			parts := imageLayout(c.lbs)
			p := buildGPT(t, c.lbs, 3*mib/c.lbs, 6*mib, c.entryLBA, parts)
			before := readFile(t, p)
			d := openTestDisk(t, p)
			old, err := readGPTTable(d, c.lbs, 1, d.Size()/c.lbs)
			if err != nil {
				t.Fatal(err)
			}
			if c.lbs == 512 {
				sfdiskVerify(t, p, false)
			}

			res, err := growFile(t, p, c.lbs, uuidData, 7)
			if err != nil {
				t.Fatal(err)
			}
			data := parts[6]
			want := growResult{Grown: true, Pno: 7, Start: data.start * c.lbs, OldLen: 256 << 10, Len: (c.wantEnd - data.start + 1) * c.lbs}
			if res != want {
				t.Fatalf("result %+v, want %+v", res, want)
			}
			// The primary's entries stay where they were.
			entries := checkGrownGPT(t, p, c.lbs, c.entryLBA, testDiskGUID)
			if end := entryEnd(entries, 6); end != c.wantEnd || (end+1)*c.lbs%mib != 0 {
				t.Fatalf("DATA ends at LBA %d, want %d (1 MiB aligned)", end, c.wantEnd)
			}
			// Every entry byte-identical but DATA's EndingLBA.
			wantEntries := append([]byte(nil), old.entries...)
			binary.LittleEndian.PutUint64(wantEntries[6*128+gptEntEnd:], uint64(c.wantEnd))
			if !bytes.Equal(entries, wantEntries) {
				t.Fatal("entries changed besides DATA's end")
			}
			// Every partition's contents untouched (DATA's old extent too).
			after := readFile(t, p)
			for _, pt := range parts {
				r := [2]int64{pt.start * c.lbs, (pt.end + 1) * c.lbs}
				if !bytes.Equal(before[r[0]:r[1]], after[r[0]:r[1]]) {
					t.Errorf("%s contents changed", pt.name)
				}
			}
			// The protective MBR covers the disk; the rest of LBA 0 is as it was.
			if got := binary.LittleEndian.Uint32(after[446+12:]); got != uint32(6*mib/c.lbs-1) {
				t.Errorf("protective MBR size %d", got)
			}
			if !bytes.Equal(before[:446+12], after[:446+12]) || !bytes.Equal(before[446+16:512], after[446+16:512]) {
				t.Error("LBA 0 changed besides the protective MBR size")
			}
			if c.lbs == 512 {
				sfdiskVerify(t, p, true)
				sfdiskCheck(t, p, uuidData, data.start, c.wantEnd, 12288-34)
			}
			// Growing again does nothing.
			res, err = growFile(t, p, c.lbs, uuidData, 7)
			if err != nil || res.Grown || res.Repaired != "" {
				t.Fatalf("again: %+v %v", res, err)
			}
			if !bytes.Equal(after, readFile(t, p)) {
				t.Fatal("growing again wrote")
			}
		})
	}
}

func TestGrowGPTNoop(t *testing.T) {
	dataFirst := imageLayout(512)
	dataFirst[5], dataFirst[6] = dataFirst[6], dataFirst[5] // DATA before PRIVATE
	dataFirst[5].start, dataFirst[6].start = dataFirst[6].start, dataFirst[5].start
	dataFirst[5].end, dataFirst[6].end = dataFirst[6].end, dataFirst[5].end
	// In a 4 MiB image, DATA ending at the 3 MiB boundary fills it: the last usable LBA
	// is 8192-34, in the fourth MiB.
	filling := imageLayout(512)
	filling[6].end = 3*2048 - 1
	for _, c := range []struct {
		name                 string
		parts                []testPart
		imageLBAs, diskBytes int64
	}{
		{"DATA not last", dataFirst, 3 * mib / 512, 6 * mib},
		{"DATA fills the disk", filling, 4 * mib / 512, 4 * mib},
		{"DATA's end would not move", filling, 4 * mib / 512, 4*mib + 8<<10},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := buildGPT(t, 512, c.imageLBAs, c.diskBytes, 2, c.parts)
			before := readFile(t, p)
			pno := 7
			if c.parts[5].uuid == uuidData {
				pno = 6
			}
			res, err := growFile(t, p, 512, uuidData, pno)
			if err != nil || res.Grown || res.Repaired != "" {
				t.Fatalf("%+v %v", res, err)
			}
			if !bytes.Equal(before, readFile(t, p)) {
				t.Fatal("disk changed")
			}
		})
	}
}

func TestGrowGPTRefuses(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(img []byte)
		uuid   string
		pno    int
		reason string
	}{
		{"unknown GUID", nil, "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0aff", 7, "no GPT entry with unique GUID 6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0aff"},
		{"kernel number differs", nil, uuidData, 5, "GPT entry 7 has GUID " + uuidData + " but the kernel calls it partition 5"},
		{"no GPT", func(img []byte) { img[512] = 'X' }, uuidData, 7, "primary GPT: no GPT signature at LBA 1; backup GPT: no GPT signature at LBA 12287"},
		{"bad entries", func(img []byte) { img[2*512+7*128+40] ^= 1 }, uuidData, 7, "primary GPT: GPT entries checksum mismatch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := buildGPT(t, 512, 3*mib/512, 6*mib, 2, imageLayout(512))
			if c.edit != nil {
				img := readFile(t, p)
				c.edit(img)
				if err := os.WriteFile(p, img, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := readFile(t, p)
			_, err := growFile(t, p, 512, c.uuid, c.pno)
			if err == nil || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("err %v, want %q", err, c.reason)
			}
			if !bytes.Equal(before, readFile(t, p)) {
				t.Fatal("disk changed")
			}
		})
	}
}

// failDisk fails its failWrite-th write (0-based; -1: none), writing nothing, only its
// first block (torn = 1), or all but its last block (torn = 2); or its failSync-th sync.
type failDisk struct {
	Disk
	lbs                 int64
	failWrite, failSync int
	torn                int
	writes, syncs       int
}

func (d *failDisk) WriteAt(b []byte, off int64) (int, error) {
	k := d.writes
	d.writes++
	if k != d.failWrite {
		return d.Disk.WriteAt(b, off)
	}
	n := 0
	switch {
	case d.torn == 1:
		n, _ = d.Disk.WriteAt(b[:min(int64(len(b)), d.lbs)], off)
	case d.torn == 2 && int64(len(b)) > d.lbs:
		n, _ = d.Disk.WriteAt(b[:int64(len(b))-d.lbs], off)
	}
	return n, errInjected
}

func (d *failDisk) Sync() error {
	k := d.syncs
	d.syncs++
	if k == d.failSync {
		return errInjected
	}
	return d.Disk.Sync()
}

// visibleGPT is the table firmware uses: the primary if valid, else the backup at the
// last LBA. primaryOK says whether the primary was valid (all Linux itself reads
// without "gpt" on its command line).
func visibleGPT(t *testing.T, p string, lbs int64) (entries []byte, primaryOK bool) {
	t.Helper()
	d := openTestDisk(t, p)
	lbas := d.Size() / lbs
	tb, err := readGPTTable(d, lbs, 1, lbas)
	if err == nil {
		return tb.entries, true
	}
	tb, berr := readGPTTable(d, lbs, lbas-1, lbas)
	if berr != nil {
		t.Fatalf("no valid GPT: primary: %v; backup: %v", err, berr)
	}
	return tb.entries, false
}

// Whatever write or sync fails, a valid table, old or new, is left; and growing again
// finishes the job, with the same bytes as a grow that did not fail.
func TestGrowGPTWriteFailures(t *testing.T) {
	const lbs = 512
	variants := []struct {
		name     string
		entryLBA int64
		// fromBackup makes the image as big as the disk and breaks its primary, so the
		// grow reads the backup and must write the primary first.
		fromBackup bool
	}{
		{"primary", 2, false},
		{"primary entries apart", 8, false},
		{"from backup", 2, true},
	}
	for _, v := range variants {
		build := func(t *testing.T) string {
			if !v.fromBackup {
				return buildGPT(t, lbs, 3*mib/lbs, 6*mib, v.entryLBA, imageLayout(lbs))
			}
			p := buildGPT(t, lbs, 6*mib/lbs, 6*mib, v.entryLBA, imageLayout(lbs))
			img := readFile(t, p)
			img[lbs+20] ^= 1 // primary header checksum
			if err := os.WriteFile(p, img, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		t.Run(v.name, func(t *testing.T) {
			// The clean run, counting writes and syncs.
			ref := build(t)
			oldEntries, _ := visibleGPT(t, ref, lbs)
			count := &failDisk{Disk: openTestDisk(t, ref), lbs: lbs, failWrite: -1, failSync: -1}
			res, err := growGPT(count, lbs, uuidData, 7)
			if err != nil || !res.Grown || (res.Repaired == "primary") != v.fromBackup {
				t.Fatalf("%+v %v", res, err)
			}
			final := readFile(t, ref)
			newEntries, ok := visibleGPT(t, ref, lbs)
			if !ok || bytes.Equal(newEntries, oldEntries) {
				t.Fatal("clean grow: no new valid primary")
			}
			wantWrites := 3 // protective MBR, backup, primary (header and entries)
			if v.entryLBA != 2 {
				wantWrites = 4 // primary entries, then header
			}
			if v.fromBackup {
				wantWrites = 2 // primary, backup; the MBR already covers the disk
			}
			if count.writes != wantWrites || count.syncs != wantWrites {
				t.Fatalf("%d writes, %d syncs; want %d each", count.writes, count.syncs, wantWrites)
			}
			// What the failures left: the old or the new table, and whether the
			// primary was invalid (the window inside the primary write).
			var sawOld, sawNew, sawBadPrimary bool
			defer func() {
				if !t.Failed() && (!sawOld || !sawNew || (!v.fromBackup && !sawBadPrimary)) {
					t.Errorf("failures left old %v, new %v, invalid primary %v", sawOld, sawNew, sawBadPrimary)
				}
			}()
			type failure struct{ write, sync, torn int }
			var failures []failure
			for k := 0; k < wantWrites; k++ {
				failures = append(failures, failure{k, -1, 0}, failure{k, -1, 1}, failure{k, -1, 2}, failure{-1, k, 0})
			}
			for _, f := range failures {
				name := fmt.Sprintf("write%d-torn%d", f.write, f.torn)
				if f.sync >= 0 {
					name = fmt.Sprintf("sync%d", f.sync)
				}
				t.Run(name, func(t *testing.T) {
					p := build(t)
					fd := &failDisk{Disk: openTestDisk(t, p), lbs: lbs, failWrite: f.write, failSync: f.sync, torn: f.torn}
					if _, err := growGPT(fd, lbs, uuidData, 7); err == nil {
						t.Fatal("no error")
					}
					got, primaryOK := visibleGPT(t, p, lbs)
					switch {
					case bytes.Equal(got, oldEntries):
						sawOld = true
					case bytes.Equal(got, newEntries):
						sawNew = true
					default:
						t.Fatal("the valid table is neither the old nor the new one")
					}
					sawBadPrimary = sawBadPrimary || !primaryOK
					if _, err := growFile(t, p, lbs, uuidData, 7); err != nil {
						t.Fatal(err)
					}
					entryLBA := v.entryLBA
					if !bytes.Equal(readFile(t, p), final) {
						// Only a primary rebuilt from the backup may differ: its
						// entries go to LBA 2, where they were is not known.
						if got, ok := visibleGPT(t, p, lbs); v.entryLBA == 2 || !ok || !bytes.Equal(got, newEntries) {
							t.Fatal("growing again did not give the clean result")
						}
						entryLBA = 2
					}
					checkGrownGPT(t, p, lbs, entryLBA, testDiskGUID)
				})
			}
		})
	}
}

// A primary left invalid with the new backup at the end (a power cut between the two
// halves of the primary write) is rewritten from the backup, without growing again.
func TestGrowGPTRepairsPrimary(t *testing.T) {
	p := buildGPT(t, 512, 3*mib/512, 6*mib, 2, imageLayout(512))
	if _, err := growFile(t, p, 512, uuidData, 7); err != nil {
		t.Fatal(err)
	}
	want := readFile(t, p)
	img := append([]byte(nil), want...)
	img[2*512+6*128+40] ^= 0xFF // DATA's end in the primary entries
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := growFile(t, p, 512, uuidData, 7)
	if err != nil || res.Grown || res.Repaired != "primary" {
		t.Fatalf("%+v %v", res, err)
	}
	if !bytes.Equal(readFile(t, p), want) {
		t.Fatal("repaired disk differs")
	}
}

func TestFixProtectiveMBR(t *testing.T) {
	mbr := func(entries ...[16]byte) []byte {
		b := make([]byte, 512)
		for i, e := range entries {
			copy(b[446+16*i:], e[:])
		}
		b[510], b[511] = 0x55, 0xAA
		return b
	}
	ent := func(typ byte, start, size uint32) (e [16]byte) {
		e[4] = typ
		binary.LittleEndian.PutUint32(e[8:], start)
		binary.LittleEndian.PutUint32(e[12:], size)
		return e
	}
	for _, c := range []struct {
		name    string
		in      []byte
		last    int64
		changed bool
	}{
		{"protective", mbr(ent(0xEE, 1, 100)), 1000, true},
		{"capped", mbr(ent(0xEE, 1, 100)), 1 << 40, true},
		{"already right", mbr(ent(0xEE, 1, 1000)), 1000, false},
		{"hybrid", mbr(ent(0xEE, 1, 100), ent(0x0C, 2048, 2048)), 1000, false},
		{"no signature", make([]byte, 512), 1000, false},
		{"not from LBA 1", mbr(ent(0xEE, 2, 100)), 1000, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			mf := &fstest.MapFile{Data: append(c.in, make([]byte, 512)...)}
			if err := fixProtectiveMBR(memDisk{mf}, c.last); err != nil {
				t.Fatal(err)
			}
			want := append(append([]byte(nil), c.in...), make([]byte, 512)...)
			if c.changed {
				binary.LittleEndian.PutUint32(want[446+12:], uint32(min(c.last, 0xFFFFFFFF)))
			}
			if !bytes.Equal(mf.Data, want) {
				t.Fatalf("LBA 0 is\n%x\nwant\n%x", mf.Data[446:512], want[446:512])
			}
		})
	}
}

// The BLKPG structures as the kernel reads them (linux/blkpg.h).
func TestBlkpgLayout(t *testing.T) {
	var a blkpgIoctlArg
	var p blkpgPartition
	ptr := unsafe.Sizeof(uintptr(0))
	dataOff := (12 + ptr - 1) / ptr * ptr // three ints, then the pointer aligned
	got := []uintptr{unsafe.Offsetof(a.Flags), unsafe.Offsetof(a.Datalen), unsafe.Offsetof(a.Data), unsafe.Sizeof(a),
		unsafe.Offsetof(p.Length), unsafe.Offsetof(p.Pno), unsafe.Offsetof(p.Devname), unsafe.Offsetof(p.Volname), unsafe.Sizeof(p)}
	want := []uintptr{4, 8, dataOff, dataOff + ptr, 8, 16, 20, 84, 152}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("layout %v, want %v", got, want)
		}
	}
	if blkpgIoctl != 0x12<<8|105 || blkpgResizePartition != 3 {
		t.Fatal("constants")
	}
}

// bigDiskFake is the fake whose disk, when it appears, is a Kitbash image of 3 MiB
// (ESP, ROOT, HASH, PRIVATE, DATA as in the fake's command line) written to a 6 MiB
// disk; DATA (partition 5, from 2 MiB) is blank.
type bigDiskFake struct {
	*fake
	img []byte
}

func newBigDiskFake(t *testing.T) bigDiskFake {
	f := newFake()
	f.blankData = true
	parts := imageLayout(512)
	parts = append(parts[:3], parts[5:]...) // no slot B
	for i := 3; i < 5; i++ {
		parts[i].start -= 2 * 512
		parts[i].end -= 2 * 512
	}
	return bigDiskFake{fake: f, img: readFile(t, buildGPT(t, 512, 3*mib/512, 6*mib, 2, parts))}
}

func (b bigDiskFake) LoadModule(p string, compressed bool) error {
	err := b.fake.LoadModule(p, compressed)
	if err == nil && ModuleName(p) == "virtio_blk" {
		add := b.pending[len(b.pending)-1]
		b.pending[len(b.pending)-1] = func() {
			add()
			b.MapFS["dev/vda"].Data = b.img
			b.MapFS["sys/block/vda/size"].Data = []byte(fmt.Sprintf("%d\n", len(b.img)/512))
		}
	}
	return err
}

const growCall = "blkpg /dev/vda 5 2097152 3145728" // from 2 MiB to the 5 MiB boundary

func TestRunGrowsData(t *testing.T) {
	f := newBigDiskFake(t)
	if err := Run(testConfig(), f); err != nil {
		t.Fatal(err)
	}
	i := indexOf(f.calls, "opendisk /dev/vda")
	j := indexOf(f.calls, growCall)
	k := indexOf(f.calls, "exec /sbin/mkfs.ext4 -q -F -L DATA -E lazy_itable_init=1,lazy_journal_init=1,nodiscard /dev/vda5")
	if i < 0 || j < i || k < j {
		t.Fatalf("open at %d, BLKPG at %d, mkfs at %d: %q", i, j, k, f.calls)
	}
	if indexOf(f.console, "kitbash: DATA /dev/vda5 grown from 262144 to 3145728 bytes (GPT of /dev/vda rewritten)") < 0 {
		t.Fatalf("console %q", f.console)
	}
	d := memDisk{f.MapFS["dev/vda"]}
	pri, err := readGPTTable(d, 512, 1, 12288)
	if err != nil || entryEnd(pri.entries, 4) != 5*2048-1 {
		t.Fatalf("primary %v", err)
	}
	if _, err := readGPTTable(d, 512, 12287, 12288); err != nil {
		t.Fatalf("backup %v", err)
	}
	// The next boot finds DATA made: no grow.
	f2 := newBigDiskFake(t)
	f2.blankData = false
	if err := Run(testConfig(), f2); err != nil {
		t.Fatal(err)
	}
	if indexOf(f2.calls, "opendisk /dev/vda") >= 0 {
		t.Fatalf("calls %q", f2.calls)
	}
}

func TestRunGrowFailsClosed(t *testing.T) {
	for _, c := range []struct{ failOn, reason string }{
		{"opendisk", "DATA /dev/vda5: grow: open /dev/vda: injected failure"},
		{"blkpg", "DATA /dev/vda5: grow: BLKPG_RESIZE_PARTITION /dev/vda partition 5 (start 2097152, length 3145728): injected failure"},
	} {
		t.Run(c.failOn, func(t *testing.T) {
			f := newBigDiskFake(t)
			f.failOn = c.failOn
			if err := Run(testConfig(), f); err == nil {
				t.Fatal("no error")
			}
			last := f.console[len(f.console)-1]
			if last != FailPrefix+c.reason || f.reboots != 1 || f.calls[len(f.calls)-1] != "reboot" {
				t.Fatalf("console %q, calls %q", last, f.calls)
			}
			for _, call := range f.calls {
				if strings.HasPrefix(call, "exec") || strings.HasPrefix(call, "switchroot") {
					t.Fatalf("%s after a failure", call)
				}
			}
		})
	}
}

// sfdisk (util-linux), when the host has it, must find the grown table sound.

func sfdisk(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sfdisk")
	if err != nil {
		t.Log("no sfdisk: not checked with it")
		return ""
	}
	return p
}

// sfdiskVerify runs sfdisk --verify: with clean, it must find nothing wrong; without, it
// must say that the backup GPT is not at the end of the disk.
func sfdiskVerify(t *testing.T, p string, clean bool) {
	t.Helper()
	bin := sfdisk(t)
	if bin == "" {
		return
	}
	out, err := exec.Command(bin, "--verify", p).CombinedOutput()
	s := string(out)
	if clean && (err != nil || !strings.Contains(s, "No errors detected") || strings.Contains(s, "mismatch") || strings.Contains(s, "not on the end")) {
		t.Fatalf("sfdisk --verify: %v\n%s", err, s)
	}
	if !clean && !strings.Contains(s, "The backup GPT table is not on the end of the device") {
		t.Fatalf("sfdisk --verify before growing:\n%s", s)
	}
}

// sfdiskCheck reads the table with sfdisk -J: the last usable LBA, and partition uuid
// from start to end (LBAs).
func sfdiskCheck(t *testing.T, p, uuid string, start, end, lastLBA int64) {
	t.Helper()
	bin := sfdisk(t)
	if bin == "" {
		return
	}
	out, err := exec.Command(bin, "-J", p).Output()
	if err != nil {
		t.Fatalf("sfdisk -J: %v", err)
	}
	var v struct {
		PT struct {
			Label      string `json:"label"`
			LastLBA    int64  `json:"lastlba"`
			Partitions []struct {
				Start int64  `json:"start"`
				Size  int64  `json:"size"`
				UUID  string `json:"uuid"`
			} `json:"partitions"`
		} `json:"partitiontable"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("sfdisk -J: %v\n%s", err, out)
	}
	if v.PT.Label != "gpt" || v.PT.LastLBA != lastLBA {
		t.Fatalf("sfdisk -J: %s", out)
	}
	for _, pt := range v.PT.Partitions {
		if strings.EqualFold(pt.UUID, uuid) {
			if pt.Start != start || pt.Start+pt.Size-1 != end {
				t.Fatalf("sfdisk -J: %s from %d, %d sectors; want %d to %d", uuid, pt.Start, pt.Size, start, end)
			}
			return
		}
	}
	t.Fatalf("sfdisk -J: no partition %s: %s", uuid, out)
}

const sfdiskLabelID = "8D7A2E44-3C1B-4F0A-9E21-6B5C4D3E2F10"

// An image partitioned by sfdisk, grown.
func TestGrowSfdiskImage(t *testing.T) {
	bin, err := exec.LookPath("sfdisk")
	if err != nil {
		t.Skip("no sfdisk")
	}
	var script strings.Builder
	script.WriteString("label: gpt\nlabel-id: " + sfdiskLabelID + "\nfirst-lba: 2048\nunit: sectors\n\n")
	parts := imageLayout(512)
	for _, pt := range parts {
		fmt.Fprintf(&script, "start=%d, size=%d, type=%s, uuid=%s, name=%s\n", pt.start, pt.end-pt.start+1, pt.typ, pt.uuid, pt.name)
	}
	p := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 3*mib); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-q", "--no-reread", "--no-tell-kernel", p)
	cmd.Stdin = strings.NewReader(script.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	sfdiskVerify(t, p, true)
	if err := os.Truncate(p, 6*mib); err != nil {
		t.Fatal(err)
	}
	sfdiskVerify(t, p, false)
	res, err := growFile(t, p, 512, uuidData, 7)
	if err != nil || !res.Grown {
		t.Fatalf("%+v %v", res, err)
	}
	entries := checkGrownGPT(t, p, 512, 2, sfdiskLabelID)
	if entryEnd(entries, 6) != 5*2048-1 {
		t.Fatalf("DATA ends at %d", entryEnd(entries, 6))
	}
	sfdiskVerify(t, p, true)
	sfdiskCheck(t, p, uuidData, parts[6].start, 5*2048-1, 12288-34)
}
