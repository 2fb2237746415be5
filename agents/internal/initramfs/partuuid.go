package initramfs

import (
	"fmt"
	"io/fs"
	"path"

	"github.com/kitbash-dev/kitbash/agents/internal/sysblock"
)

// Partitions are found through sysfs and /dev as agents/internal/sysblock reads them.
// Mainline kernels do not put PARTUUID in a partition's uevent (some patched kernels
// do, and it is used when present), so the UUID is otherwise read from the disk's GPT:
// the entry whose unique GUID matches gives the partition number, PARTN.

// FindPartUUID looks for the partition with GPT unique GUID uuid (lower case) and
// returns its device path ("/dev/vda2"), or "" if it is not there (yet). Disks that
// could not be read are reported in skipped, so a timeout can say why.
func FindPartUUID(fsys fs.FS, uuid string) (dev string, skipped []error) {
	disks, err := fs.ReadDir(fsys, "sys/block")
	if err != nil {
		return "", []error{err}
	}
	for _, d := range disks {
		dir := path.Join("sys/block", d.Name())
		parts := sysblock.Partitions(fsys, dir)
		if len(parts) == 0 {
			continue
		}
		for _, p := range parts {
			if p.UUID == uuid {
				return p.Dev, nil
			}
		}
		n, err := gptPartitionNumber(fsys, dir, uuid)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("%s: %w", d.Name(), err))
			continue
		}
		for _, p := range parts {
			if n != 0 && p.Number == n {
				return p.Dev, nil
			}
		}
	}
	return "", skipped
}

// gptPartitionNumber reads the GPT of the disk at sysfs dir and returns the 1-based
// number of the entry with unique GUID uuid, or 0. The primary header is used if its
// checksums hold, else the backup at the last LBA, as the kernel does.
func gptPartitionNumber(fsys fs.FS, dir, uuid string) (int, error) {
	entries, err := sysblock.ReadGPT(fsys, dir)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if e.UUID == uuid {
			return e.Number, nil
		}
	}
	return 0, nil
}
