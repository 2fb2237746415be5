package sysblock

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kitbash-dev/kitbash/agents/internal/gpt"
	"github.com/kitbash-dev/kitbash/agents/internal/gpt/gpttest"
)

const uuid2 = "00000000-0000-0000-0000-000000000002"

// disk4K is a disk of 8 LBAs of 4096 bytes with a GPT of one entry, number 2.
func disk4K() []byte {
	return gpttest.Image(gpttest.Layout{BlockSize: 4096, Blocks: 8, Entries: 4},
		gpt.Entry{Number: 2, Type: "0fc63daf-8483-4772-8e79-3d69d8477de4", UUID: uuid2})
}

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"sys/block/vda/uevent":                   {Data: []byte("DEVNAME=vda\nDEVTYPE=disk\n")},
		"sys/block/vda/size":                     {Data: []byte("64\n")},
		"sys/block/vda/queue/logical_block_size": {Data: []byte("4096\n")},
		"sys/block/vda/vda2/partition":           {Data: []byte("2\n")},
		"sys/block/vda/vda2/uevent":              {Data: []byte("DEVNAME=vda2\nPARTN=2\nPARTUUID=ABCD\n")},
		"sys/block/vda/vda3/partition":           {Data: []byte("3\n")},
		"sys/block/vda/vda3/uevent":              {Data: []byte("DEVNAME=vda3\n")},
		"sys/block/vda/vda4/partition":           {Data: []byte("4\n")},
		"sys/block/vda/vda4/uevent":              {Data: []byte("PARTN=4\n")}, // no DEVNAME
		"dev/vda":                                {Data: disk4K()},
		"sys/block/vdb/uevent":                   {Data: []byte("DEVNAME=vdb\n")},
		"sys/block/vdb/size":                     {Data: []byte("8\n")},
		"dev/vdb":                                {Data: make([]byte, 8*512)},
		"sys/block/vdc/uevent":                   {Data: []byte("DEVTYPE=disk\n")},
	}
}

func TestPartitions(t *testing.T) {
	got := Partitions(testFS(), "sys/block/vda")
	want := []Partition{{Dev: "/dev/vda2", Number: 2, UUID: "abcd"}, {Dev: "/dev/vda3"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Partitions = %+v, want %+v", got, want)
	}
	if got := Partitions(testFS(), "sys/block/none"); got != nil {
		t.Fatalf("Partitions of a missing disk = %+v", got)
	}
}

func TestReadGPT(t *testing.T) {
	fsys := testFS()
	es, err := ReadGPT(fsys, "sys/block/vda") // 4096-byte blocks
	if err != nil || len(es) != 1 || es[0].Number != 2 || es[0].UUID != uuid2 {
		t.Fatalf("ReadGPT = %+v, %v", es, err)
	}
	for dir, want := range map[string]string{
		"sys/block/vdb": "primary GPT: no GPT signature; backup GPT: no GPT signature",
		"sys/block/vdc": "no DEVNAME in uevent",
	} {
		if _, err := ReadGPT(fsys, dir); err == nil || err.Error() != want {
			t.Errorf("ReadGPT(%s): %v, want %q", dir, err, want)
		}
	}
	delete(fsys, "sys/block/vdb/size") // size unknown: no backup to try
	if _, err := ReadGPT(fsys, "sys/block/vdb"); err == nil || err.Error() != "primary GPT: no GPT signature" {
		t.Errorf("ReadGPT without a size: %v", err)
	}
	delete(fsys, "dev/vdb")
	if _, err := ReadGPT(fsys, "sys/block/vdb"); err == nil || !strings.Contains(err.Error(), "dev/vdb") {
		t.Errorf("ReadGPT without a device node: %v", err)
	}
}

func TestUevent(t *testing.T) {
	ev, err := Uevent(testFS(), "sys/block/vda/vda2/uevent")
	if err != nil || !reflect.DeepEqual(ev, map[string]string{"DEVNAME": "vda2", "PARTN": "2", "PARTUUID": "ABCD"}) {
		t.Fatalf("Uevent = %v, %v", ev, err)
	}
	if _, err := Uevent(testFS(), "sys/block/none/uevent"); err == nil {
		t.Fatal("Uevent of a missing file: no error")
	}
}
