package bootslot

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kitbash-dev/kitbash/agents/internal/gpt"
	"github.com/kitbash-dev/kitbash/agents/internal/gpt/gpttest"
)

// gptImage is a 64 KiB disk with a GPT holding ps.
func gptImage(ps []Partition) []byte {
	es := make([]gpt.Entry, len(ps))
	for i, p := range ps {
		es[i] = gpt.Entry{Number: p.Number, Type: p.Type, UUID: p.UUID, Name: p.Name}
	}
	return gpttest.Image(gpttest.Layout{Blocks: 128, Entries: 128}, es...)
}

func TestFindBootDisk(t *testing.T) {
	want := imagePartitions()
	fsys := fstest.MapFS{
		"sys/block/sr0/uevent":         {Data: []byte("DEVNAME=sr0\n")},
		"sys/block/vda/uevent":         {Data: []byte("DEVNAME=vda\nDEVTYPE=disk\n")},
		"sys/block/vda/size":           {Data: []byte("128\n")},
		"dev/vda":                      {Data: gptImage(want)},
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
