package initramfs

import (
	"encoding/binary"
	"fmt"
	"io"
)

// The ext2/3/4 superblock starts 1024 bytes into the device; its s_magic (u16, little
// endian) is at offset 0x38 in it, so at 0x438 on the device.
const (
	ext4MagicOffset = 0x438
	ext4Magic       = 0xEF53
)

// HasExt4 reports whether the device holds an ext2/3/4 file system.
func HasExt4(r io.ReaderAt) (bool, error) {
	var b [2]byte
	if _, err := r.ReadAt(b[:], ext4MagicOffset); err != nil {
		return false, fmt.Errorf("read superblock: %w", err)
	}
	return binary.LittleEndian.Uint16(b[:]) == ext4Magic, nil
}
