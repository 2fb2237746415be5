package bootslot

import (
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf16"
)

// guidBytes encodes a GUID string in GPT (mixed-endian) byte order.
func guidBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		t.Fatalf("bad GUID %q", s)
	}
	le := binary.LittleEndian
	out := make([]byte, 16)
	le.PutUint32(out[0:], binary.BigEndian.Uint32(b[0:]))
	le.PutUint16(out[4:], binary.BigEndian.Uint16(b[4:]))
	le.PutUint16(out[6:], binary.BigEndian.Uint16(b[6:]))
	copy(out[8:], b[8:])
	return out
}

// gptImage is a 64 KiB disk with a primary GPT (no backup) holding ps.
func gptImage(t *testing.T, ps []Partition) []byte {
	img := make([]byte, 64<<10)
	le := binary.LittleEndian
	arr := img[2*512 : 2*512+128*128]
	for _, p := range ps {
		e := arr[(p.Number-1)*128:]
		copy(e[0:], guidBytes(t, p.Type))
		copy(e[16:], guidBytes(t, p.UUID))
		for i, c := range utf16.Encode([]rune(p.Name)) {
			le.PutUint16(e[56+2*i:], c)
		}
	}
	h := img[512:]
	copy(h, "EFI PART")
	le.PutUint32(h[8:], 0x10000)
	le.PutUint32(h[12:], 92)
	le.PutUint64(h[72:], 2)
	le.PutUint32(h[80:], 128)
	le.PutUint32(h[84:], 128)
	le.PutUint32(h[88:], crc32.ChecksumIEEE(arr))
	le.PutUint32(h[16:], crc32.ChecksumIEEE(h[:92]))
	return img
}

func TestFindBootDisk(t *testing.T) {
	want := imagePartitions()
	fsys := fstest.MapFS{
		"sys/block/sr0/uevent":         {Data: []byte("DEVNAME=sr0\n")},
		"sys/block/vda/uevent":         {Data: []byte("DEVNAME=vda\nDEVTYPE=disk\n")},
		"sys/block/vda/size":           {Data: []byte("128\n")},
		"dev/vda":                      {Data: gptImage(t, want)},
		"sys/block/vdb/uevent":         {Data: []byte("DEVNAME=vdb\n")},
		"sys/block/vdb/vdb1/partition": {Data: []byte("1\n")},
		"sys/block/vdb/vdb1/uevent":    {Data: []byte("DEVNAME=vdb1\nPARTN=1\n")},
		"dev/vdb":                      {Data: make([]byte, 4096)}, // no GPT
	}
	for _, p := range want {
		dir := "sys/block/vda/vda" + string(rune('0'+p.Number))
		fsys[dir+"/partition"] = &fstest.MapFile{Data: []byte{'1'}}
		fsys[dir+"/uevent"] = &fstest.MapFile{Data: []byte("DEVNAME=vda" + string(rune('0'+p.Number)) + "\nPARTN=" + string(rune('0'+p.Number)) + "\n")}
	}
	disk, got, err := FindBootDisk(fsys, uuidRootB)
	if err != nil || disk != "/dev/vda" {
		t.Fatalf("FindBootDisk = %q, %v", disk, err)
	}
	if len(got) != len(want) {
		t.Fatalf("partitions %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("partition %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, _, err := FindBootDisk(fsys, "00000000-0000-0000-0000-000000000009"); err == nil || !strings.Contains(err.Error(), "vdb") {
		t.Errorf("FindBootDisk of a missing partition: %v, want an error naming the unreadable vdb", err)
	}
}
