package initramfs

import (
	"encoding/binary"
	"fmt"
)

// Device-mapper ioctl interface (linux/dm-ioctl.h), written by hand. All fields are
// native-endian; Kitbash targets little-endian machines (x86-64, arm64).
//
// struct dm_ioctl, 312 bytes:
//
//	offset size field
//	     0   12 version[3]     u32 x3, in: 4, 0, 0 (the kernel checks the major)
//	    12    4 data_size      u32, total size of the buffer including this header
//	    16    4 data_start     u32, offset of the payload (312)
//	    20    4 target_count   u32, in for TABLE_LOAD
//	    24    4 open_count     s32, out
//	    28    4 flags          u32 (DM_READONLY_FLAG = 1<<0, DM_SUSPEND_FLAG = 1<<1)
//	    32    4 event_nr       u32
//	    36    4 padding
//	    40    8 dev            u64, out: the new device, huge_encode_dev() format
//	    48  128 name           NUL-terminated (at most 127 bytes)
//	   176  129 uuid           NUL-terminated
//	   305    7 data           padding to 312
//
// struct dm_target_spec, 40 bytes, followed by the NUL-terminated parameter string,
// the whole padded to a multiple of 8:
//
//	 0    8 sector_start   u64
//	 8    8 length         u64, in 512-byte sectors
//	16    4 status         s32, out
//	20    4 next           u32, offset from this spec to the next (its padded size)
//	24   16 target_type    NUL-terminated, e.g. "verity"
//
// Commands are _IOWR(0xfd, nr, struct dm_ioctl) = 3<<30 | 312<<16 | 0xfd<<8 | nr.
const (
	dmIoctlSize      = 312
	dmTargetSpecSize = 40
	dmNameLen        = 128
	dmUUIDLen        = 129
	dmTypeLen        = 16
	dmReadOnlyFlag   = 1 << 0

	dmDevCreate  = 3
	dmDevSuspend = 6
	dmTableLoad  = 9
)

// dmCmd is the ioctl request number of device-mapper command nr.
func dmCmd(nr uintptr) uintptr { return 3<<30 | dmIoctlSize<<16 | 0xfd<<8 | nr }

// dmHeader returns a zeroed buffer of size bytes starting with a dm_ioctl header.
func dmHeader(name string, size, targets, flags uint32) ([]byte, error) {
	if len(name) == 0 || len(name) >= dmNameLen {
		return nil, fmt.Errorf("device-mapper name %q: want 1 to %d bytes", name, dmNameLen-1)
	}
	b := make([]byte, size)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 4) // version 4.0.0
	le.PutUint32(b[12:], size)
	le.PutUint32(b[16:], dmIoctlSize)
	le.PutUint32(b[20:], targets)
	le.PutUint32(b[28:], flags)
	copy(b[48:48+dmNameLen-1], name)
	return b, nil
}

// DMTarget is one line of a device-mapper table.
type DMTarget struct {
	Start, Length uint64 // sectors
	Type          string
	Params        string
}

// encodeTableLoad returns the DM_TABLE_LOAD buffer for the targets.
func encodeTableLoad(name string, flags uint32, targets []DMTarget) ([]byte, error) {
	size := dmIoctlSize
	for _, t := range targets {
		size += specSize(t)
	}
	b, err := dmHeader(name, uint32(size), uint32(len(targets)), flags)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	off := dmIoctlSize
	for _, t := range targets {
		if len(t.Type) == 0 || len(t.Type) >= dmTypeLen {
			return nil, fmt.Errorf("device-mapper target type %q: want 1 to %d bytes", t.Type, dmTypeLen-1)
		}
		s := b[off:]
		n := specSize(t)
		le.PutUint64(s[0:], t.Start)
		le.PutUint64(s[8:], t.Length)
		le.PutUint32(s[20:], uint32(n))
		copy(s[24:24+dmTypeLen-1], t.Type)
		copy(s[dmTargetSpecSize:], t.Params)
		off += n
	}
	return b, nil
}

// specSize is a target spec's size with its parameters and NUL, padded to 8 bytes.
func specSize(t DMTarget) int { return (dmTargetSpecSize + len(t.Params) + 1 + 7) &^ 7 }

// decodeDev turns the dev field (huge_encode_dev: minor low 8 bits, major 12 bits,
// minor high bits above) into major and minor.
func decodeDev(dev uint64) (major, minor uint32) {
	return uint32((dev >> 8) & 0xfff), uint32(dev&0xff) | uint32((dev>>12)&0xfff00)
}

// Verity describes a dm-verity device in the format Kitbash images use.
type Verity struct {
	DataDev, HashDev string // block devices, e.g. /dev/vda2
	DataBlocks       uint64 // 4096-byte blocks
	RootHash, Salt   string // hex; Salt "-" for none
}

// Table returns the verity target: version 1, 4096-byte data and hash blocks, the
// tree from hash block 1 (block 0 is veritysetup's superblock), sha256, and
// restart_on_corruption so that corruption fails closed.
func (v Verity) Table() DMTarget {
	return DMTarget{
		Start:  0,
		Length: v.DataBlocks * 8,
		Type:   "verity",
		Params: fmt.Sprintf("1 %s %s 4096 4096 %d 1 sha256 %s %s 1 restart_on_corruption",
			v.DataDev, v.HashDev, v.DataBlocks, v.RootHash, v.Salt),
	}
}

// String is the table line as dmsetup shows it.
func (t DMTarget) String() string {
	return fmt.Sprintf("%d %d %s %s", t.Start, t.Length, t.Type, t.Params)
}

// CreateVerity makes the read-only device-mapper device name from v and activates it
// (create, load the table, resume), returning the new device's node, /dev/dm-<minor>.
func CreateVerity(dm DeviceMapper, name string, v Verity) (string, error) {
	hdr, err := dmHeader(name, dmIoctlSize, 0, dmReadOnlyFlag)
	if err != nil {
		return "", err
	}
	if err := dm.DMIoctl(dmCmd(dmDevCreate), hdr); err != nil {
		return "", fmt.Errorf("DM_DEV_CREATE %s: %w", name, err)
	}
	_, minor := decodeDev(binary.LittleEndian.Uint64(hdr[40:]))
	tbl, err := encodeTableLoad(name, dmReadOnlyFlag, []DMTarget{v.Table()})
	if err != nil {
		return "", err
	}
	if err := dm.DMIoctl(dmCmd(dmTableLoad), tbl); err != nil {
		return "", fmt.Errorf("DM_TABLE_LOAD %s (%s): %w", name, v.Table(), err)
	}
	res, err := dmHeader(name, dmIoctlSize, 0, dmReadOnlyFlag) // no DM_SUSPEND_FLAG: resume
	if err != nil {
		return "", err
	}
	if err := dm.DMIoctl(dmCmd(dmDevSuspend), res); err != nil {
		return "", fmt.Errorf("DM_DEV_SUSPEND (resume) %s: %w", name, err)
	}
	return fmt.Sprintf("/dev/dm-%d", minor), nil
}
