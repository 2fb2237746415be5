package initramfs

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestFindPartUUIDFromGPT(t *testing.T) {
	m := fstest.MapFS{}
	uuids := []string{uuidESP, uuidRoot, uuidHash}
	addDisk(m, "vda", gptDisk(uuids...), uuids, false)
	// A second disk without a GPT is skipped, with its reason kept.
	addDisk(m, "vdb", make([]byte, 64*512), []string{"ignored"}, false)
	// A disk without partitions is not read at all.
	m["sys/block/ram0/uevent"] = &fstest.MapFile{Data: []byte("DEVNAME=ram0\nDEVTYPE=disk\n")}
	dev, skipped := FindPartUUID(m, uuidHash)
	if dev != "/dev/vda3" {
		t.Fatalf("dev %q skipped %v", dev, skipped)
	}
	dev, skipped = FindPartUUID(m, uuidData)
	if dev != "" || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "vdb: primary GPT: no GPT signature") {
		t.Fatalf("absent: %q %v", dev, skipped)
	}
}

func TestFindPartUUIDBackupGPT(t *testing.T) {
	m := fstest.MapFS{}
	uuids := []string{uuidESP, uuidRoot}
	img := gptDisk(uuids...)
	img[2*512+20] ^= 1 // corrupt the primary entries
	addDisk(m, "vda", img, uuids, false)
	if dev, skipped := FindPartUUID(m, uuidRoot); dev != "/dev/vda2" {
		t.Fatalf("dev %q skipped %v", dev, skipped)
	}
	img[63*512+30] ^= 1 // and the backup header
	dev, skipped := FindPartUUID(m, uuidRoot)
	if dev != "" || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "entries checksum mismatch; backup GPT: GPT header checksum mismatch") {
		t.Fatalf("dev %q skipped %v", dev, skipped)
	}
}

func TestFindPartUUIDFromUevent(t *testing.T) {
	// Kernels that put PARTUUID in the uevent need no GPT read.
	m := fstest.MapFS{}
	addDisk(m, "nvme0n1", make([]byte, 512), []string{uuidData, uuidRoot}, true)
	m["sys/block/nvme0n1/nvme0n1p2/uevent"].Data = []byte("DEVNAME=nvme0n1p2\nPARTN=2\nPARTUUID=" + strings.ToUpper(uuidRoot) + "\n")
	if dev, _ := FindPartUUID(m, uuidRoot); dev != "/dev/nvme0n1p2" {
		t.Fatalf("dev %q", dev)
	}
}
