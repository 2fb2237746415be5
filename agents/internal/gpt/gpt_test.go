package gpt_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"reflect"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/gpt"
	"github.com/kitbash-dev/kitbash/agents/internal/gpt/gpttest"
)

const (
	typeESP   = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
	typeLinux = "0fc63daf-8483-4772-8e79-3d69d8477de4"
	uuidESP   = "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0a01"
	uuidRoot  = "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0a02"
)

// The test disk is gpttest's default layout: 64 LBAs of 512 bytes, 32 entries.
const (
	lbs            = 512
	primaryHeader  = 1 * lbs
	primaryEntries = 2 * lbs
)

var (
	layout        gpttest.Layout
	backupHeader  = layout.BackupHeaderLBA() * lbs
	backupEntries = layout.BackupEntriesLBA() * lbs
)

func options() gpt.Options { return gpt.Options{BlockSize: lbs, DiskSize: 64 * lbs} }

// entries are on the test disk, with entry 2 unused between them.
func entries() []gpt.Entry {
	return []gpt.Entry{
		{Number: 1, Type: typeESP, UUID: uuidESP, Name: "ESP", FirstLBA: 20, LastLBA: 29, Attributes: 1},
		{Number: 3, Type: typeLinux, UUID: uuidRoot, Name: "ROOT-A", FirstLBA: 30, LastLBA: 39, Attributes: 1 << 60},
	}
}

func TestRead(t *testing.T) {
	got, err := gpt.Read(bytes.NewReader(gpttest.Image(layout, entries()...)), options())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, entries()) {
		t.Fatalf("entries\n%+v\nwant (unused entry 2 skipped)\n%+v", got, entries())
	}
}

func TestReadErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		corrupt func(d []byte) []byte
		o       gpt.Options
		want    string // "": the entries, from the backup
	}{
		{"backup used when the primary header is bad",
			func(d []byte) []byte { d[primaryHeader+30] ^= 1; return d }, options(), ""},
		{"backup used when the primary entries are bad",
			func(d []byte) []byte { d[primaryEntries+20] ^= 1; return d }, options(), ""},
		{"primary header checksum, no size for a backup",
			func(d []byte) []byte { d[primaryHeader+30] ^= 1; return d }, gpt.Options{BlockSize: lbs},
			"primary GPT: GPT header checksum mismatch"},
		{"both copies bad",
			func(d []byte) []byte { d[primaryEntries+20] ^= 1; d[backupHeader+30] ^= 1; return d }, options(),
			"primary GPT: GPT entries checksum mismatch; backup GPT: GPT header checksum mismatch"},
		{"backup entries bad too",
			func(d []byte) []byte { d[primaryHeader] = 'X'; d[backupEntries+20] ^= 1; return d }, options(),
			"primary GPT: no GPT signature; backup GPT: GPT entries checksum mismatch"},
		{"no GPT", func(d []byte) []byte { return make([]byte, len(d)) }, options(),
			"primary GPT: no GPT signature; backup GPT: no GPT signature"},
		{"disk too short for a header", func(d []byte) []byte { return d[:100] }, gpt.Options{DiskSize: 100},
			"primary GPT: read GPT header: EOF"},
		{"block size", func(d []byte) []byte { return d }, gpt.Options{BlockSize: 256}, "logical block size 256"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := gpt.Read(bytes.NewReader(c.corrupt(gpttest.Image(layout, entries()...))), c.o)
			if c.want == "" {
				if err != nil || !reflect.DeepEqual(got, entries()) {
					t.Fatalf("Read = %+v, %v; want the entries from the backup", got, err)
				}
				return
			}
			if err == nil || err.Error() != c.want {
				t.Fatalf("Read error %v, want %q", err, c.want)
			}
		})
	}
}

func TestReadAt(t *testing.T) {
	d := gpttest.Image(layout, entries()...)
	for _, lba := range []int64{1, layout.BackupHeaderLBA()} {
		if got, err := gpt.ReadAt(bytes.NewReader(d), lba, options()); err != nil || !reflect.DeepEqual(got, entries()) {
			t.Errorf("ReadAt(%d) = %+v, %v", lba, got, err)
		}
	}
	if _, err := gpt.ReadAt(bytes.NewReader(d), 2, options()); err == nil || err.Error() != "no GPT signature" {
		t.Errorf("ReadAt(2): %v", err)
	}
	le := binary.LittleEndian
	h := d[primaryHeader : primaryHeader+92]
	le.PutUint32(h[84:], 100) // entry size, with a good header CRC
	le.PutUint32(h[16:], 0)
	le.PutUint32(h[16:], crc32.ChecksumIEEE(h))
	if _, err := gpt.ReadAt(bytes.NewReader(d), 1, options()); err == nil || err.Error() != "GPT with 32 entries of 100 bytes" {
		t.Errorf("ReadAt with 100-byte entries: %v", err)
	}
	// A checksummed header may still ask for a huge entry array: refused before allocating.
	le.PutUint32(h[84:], 1<<30)
	le.PutUint32(h[16:], 0)
	le.PutUint32(h[16:], crc32.ChecksumIEEE(h))
	if _, err := gpt.ReadAt(bytes.NewReader(d), 1, options()); err == nil || err.Error() != "GPT with 32 entries of 1073741824 bytes" {
		t.Errorf("ReadAt with 1 GiB entries: %v", err)
	}
}

func TestGUIDString(t *testing.T) {
	// The ESP type GUID as it sits on disk.
	raw := []byte{0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}
	if got := gpt.GUIDString(raw); got != typeESP {
		t.Fatal(got)
	}
	if !bytes.Equal(gpttest.GUIDBytes(typeESP), raw) {
		t.Fatalf("GUIDBytes = %x", gpttest.GUIDBytes(typeESP))
	}
	if got := gpt.GUIDString(gpttest.GUIDBytes(uuidRoot)); got != uuidRoot {
		t.Fatal(got)
	}
}
