package gpt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// memDisk is a disk image in memory; writes past the end grow it.
type memDisk struct{ b []byte }

func (d *memDisk) WriteAt(p []byte, off int64) (int, error) {
	if end := off + int64(len(p)); end > int64(len(d.b)) {
		d.b = append(d.b, make([]byte, end-int64(len(d.b)))...)
	}
	return copy(d.b[off:], p), nil
}

func (d *memDisk) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(d.b).ReadAt(p, off)
}

// image writes tab to a zeroed disk of its size.
func image(t *testing.T, tab Table) *memDisk {
	t.Helper()
	d := &memDisk{b: make([]byte, tab.SizeBytes)}
	if err := Write(d, tab); err != nil {
		t.Fatal(err)
	}
	if int64(len(d.b)) != tab.SizeBytes {
		t.Fatalf("Write grew the disk to %d bytes", len(d.b))
	}
	return d
}

func TestRoundTrip(t *testing.T) {
	tab := kitbashTable(t)
	tab.Partitions[0].Name = "EFI Système ✓ \U0001F600" // non-ASCII, a surrogate pair
	tab.Partitions[0].Attributes = AttrRequired | 1<<48
	d := image(t, tab)
	got, err := Read(d, tab.SizeBytes)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, tab) {
		t.Fatalf("Read gave\n%+v\nwant\n%+v", got, tab)
	}
	// Writing what was read gives the same bytes.
	if d2 := image(t, got); !bytes.Equal(d.b, d2.b) {
		t.Fatal("Write(Read(Write(t))) differs")
	}
	// An empty table too.
	empty := Table{SizeBytes: 2 * mib, DiskGUID: DeriveGUID(identity, DiskGUIDLabel)}
	got, err = Read(image(t, empty), empty.SizeBytes)
	if err != nil || got.DiskGUID != empty.DiskGUID || len(got.Partitions) != 0 {
		t.Fatalf("empty table: %+v, %v", got, err)
	}
}

// TestWriteTouchesOnlyTable: the partitions' contents and the gap before the first one
// are left as they were.
func TestWriteTouchesOnlyTable(t *testing.T) {
	tab := kitbashTable(t)
	d := &memDisk{b: bytes.Repeat([]byte{0xA5}, int(tab.SizeBytes))}
	if err := Write(d, tab); err != nil {
		t.Fatal(err)
	}
	n := int(tab.SizeBytes)
	tableEnd := firstUsableLBA * SectorSize
	backupStart := n - (1+entryArraySectors)*SectorSize
	if !bytes.Equal(d.b[tableEnd:backupStart], bytes.Repeat([]byte{0xA5}, backupStart-tableEnd)) {
		t.Fatal("bytes between the tables changed")
	}
}

func TestGolden(t *testing.T) {
	tab := kitbashTable(t)
	d := image(t, tab)
	sum := sha256.Sum256(d.b)
	var b strings.Builder
	fmt.Fprintf(&b, "# 64 MiB Kitbash image, identity %q: GPT only, partitions zero\n", identity)
	fmt.Fprintf(&b, "disk %s\n", GUIDString(tab.DiskGUID))
	for i, p := range tab.Partitions {
		fmt.Fprintf(&b, "%d %-8s %d-%d type %s uuid %s attrs %#x\n", i+1, p.Name, p.StartLBA, p.EndLBA,
			GUIDString(p.Type), GUIDString(p.GUID), p.Attributes)
	}
	fmt.Fprintf(&b, "lba0-33 %s\n", hexSum(d.b[:firstUsableLBA*SectorSize]))
	fmt.Fprintf(&b, "backup  %s\n", hexSum(d.b[len(d.b)-(1+entryArraySectors)*SectorSize:]))
	fmt.Fprintf(&b, "sha256  %s\n", hex.EncodeToString(sum[:]))
	golden(t, "kitbash-64m.golden", []byte(b.String()))
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs (rerun with -update if intended):\n got:\n%s\nwant:\n%s", p, got, want)
	}
}

func TestReadErrors(t *testing.T) {
	tab := kitbashTable(t)
	n := tab.SizeBytes
	last := n - SectorSize
	backupEntries := n - (1+entryArraySectors)*SectorSize
	for _, c := range []struct {
		name   string
		change func([]byte)
		size   int64
		want   string
	}{
		{"no MBR signature", func(b []byte) { b[510] = 0 }, n, "no MBR signature"},
		{"no protective record", func(b []byte) { b[446+4] = 0x83 }, n, "no protective (0xEE) record"},
		{"primary signature", func(b []byte) { b[SectorSize] = 'X' }, n, "primary: no GPT header signature at LBA 1"},
		{"primary header CRC", func(b []byte) { b[SectorSize+40]++ }, n, "primary: header at LBA 1: CRC32"},
		{"primary entries CRC", func(b []byte) { b[2*SectorSize+60]++ }, n, "primary: entry array at LBA 2: CRC32"},
		{"backup header CRC", func(b []byte) { b[last+40]++ }, n, "backup: header at LBA 131071: CRC32"},
		{"backup entries CRC", func(b []byte) { b[backupEntries+60]++ }, n, "backup: entry array at LBA 131039: CRC32"},
		{"backup missing", func(b []byte) { clear(b[last:]) }, n, "backup: no GPT header signature"},
		{"disk grown", func([]byte) {}, n + mib, "not at the last LBA 133119"},
		{"disk shrunk", func([]byte) {}, n - mib, "primary: header at LBA 1: LBAs out of range"},
		{"short reader", func([]byte) {}, n, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := image(t, tab)
			c.change(d.b)
			if c.size > n {
				d.b = append(d.b, make([]byte, c.size-n)...)
			}
			var r io.ReaderAt = d
			if c.want == "" {
				r, c.want = bytes.NewReader(d.b[:n/2]), "unexpected EOF"
			}
			_, err := Read(r, c.size)
			if err == nil || !strings.HasPrefix(err.Error(), "gpt read: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Read: %v, want %q", err, c.want)
			}
		})
	}
	// The backup disagrees with the primary though both are sound.
	other := tab
	other.Partitions = append([]Partition(nil), tab.Partitions...)
	other.Partitions[6].Name = "DATA2"
	a, b := image(t, tab), image(t, other)
	copy(a.b[backupEntries:], b.b[backupEntries:])
	if _, err := Read(a, n); err == nil || !strings.Contains(err.Error(), "backup entry array differs") {
		t.Fatalf("mixed tables: %v", err)
	}
}
