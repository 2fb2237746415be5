package bootslot

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/kitbash-dev/kitbash/agents/internal/sysblock"
)

// TypeESP is the GPT partition type GUID of an EFI System Partition.
const TypeESP = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"

// Partition is one used GPT entry of the boot disk.
type Partition struct {
	Number int    // 1-based entry number (the kernel's PARTN)
	Type   string // type GUID, lower case
	UUID   string // unique GUID (PARTUUID), lower case
	Name   string // "ESP", "ROOT-A", ...
	Dev    string // device node, "/dev/vda1"; "" when not known
}

// FindBootDisk finds the disk whose GPT holds the partition with unique GUID root (the
// booted ROOT partition) and returns its node ("/dev/vda") and partitions, each with
// its device node when the kernel has one. Disks that cannot be read are skipped; the
// error names them when none matched. The sysfs and /dev paths read are those of
// agents/internal/sysblock, relative to the root of fsys.
func FindBootDisk(fsys fs.FS, root string) (disk string, parts []Partition, err error) {
	disks, err := fs.ReadDir(fsys, "sys/block")
	if err != nil {
		return "", nil, fmt.Errorf("find boot disk: %w", err)
	}
	var skipped []error
	for _, d := range disks {
		dir := path.Join("sys/block", d.Name())
		devs := map[int]string{}
		for _, p := range sysblock.Partitions(fsys, dir) {
			if p.Number != 0 {
				devs[p.Number] = p.Dev
			}
		}
		if len(devs) == 0 {
			continue
		}
		es, err := sysblock.ReadGPT(fsys, dir)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("%s: %w", d.Name(), err))
			continue
		}
		for _, e := range es {
			if e.UUID != root {
				continue
			}
			ps := make([]Partition, len(es))
			for i, e := range es {
				ps[i] = Partition{Number: e.Number, Type: e.Type, UUID: e.UUID, Name: e.Name, Dev: devs[e.Number]}
			}
			ev, _ := sysblock.Uevent(fsys, path.Join(dir, "uevent"))
			return "/dev/" + ev["DEVNAME"], ps, nil
		}
	}
	return "", nil, fmt.Errorf("find boot disk: no disk has partition %s (%w)", root, errors.Join(skipped...))
}
