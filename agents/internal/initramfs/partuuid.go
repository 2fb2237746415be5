package initramfs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Sysfs layout read (paths relative to the file system root):
//
//	sys/block/<disk>/uevent                     DEVNAME=vda, DEVTYPE=disk
//	sys/block/<disk>/size                       512-byte sectors
//	sys/block/<disk>/queue/logical_block_size   bytes per LBA (default 512)
//	sys/block/<disk>/<part>/partition           present for partitions
//	sys/block/<disk>/<part>/uevent              DEVNAME=vda2, PARTN=2[, PARTUUID=...]
//	dev/<DEVNAME>                               the block device (devtmpfs)
//
// Mainline kernels do not put PARTUUID in a partition's uevent (some patched kernels
// do, and it is used when present), so the UUID is otherwise read from the disk's GPT:
// the entry whose unique GUID matches gives the partition number, PARTN.

// uevent parses KEY=VALUE lines.
func uevent(fsys fs.FS, p string) (map[string]string, error) {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			out[k] = v
		}
	}
	return out, sc.Err()
}

type partition struct {
	devname string
	number  int
	uuid    string // from uevent, if the kernel gives it
}

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
		parts := diskPartitions(fsys, dir)
		if len(parts) == 0 {
			continue
		}
		for _, p := range parts {
			if p.uuid == uuid {
				return "/dev/" + p.devname, nil
			}
		}
		n, err := gptPartitionNumber(fsys, dir, uuid)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("%s: %w", d.Name(), err))
			continue
		}
		for _, p := range parts {
			if n != 0 && p.number == n {
				return "/dev/" + p.devname, nil
			}
		}
	}
	return "", skipped
}

func diskPartitions(fsys fs.FS, dir string) []partition {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	var out []partition
	for _, e := range ents {
		pdir := path.Join(dir, e.Name())
		if _, err := fs.Stat(fsys, path.Join(pdir, "partition")); err != nil {
			continue
		}
		ev, err := uevent(fsys, path.Join(pdir, "uevent"))
		if err != nil || ev["DEVNAME"] == "" {
			continue
		}
		n, _ := strconv.Atoi(ev["PARTN"])
		out = append(out, partition{devname: ev["DEVNAME"], number: n, uuid: strings.ToLower(ev["PARTUUID"])})
	}
	return out
}

// gptPartitionNumber reads the GPT of the disk at sysfs dir and returns the 1-based
// number of the entry with unique GUID uuid, or 0. The primary header is used if its
// checksums hold, else the backup at the last LBA, as the kernel does.
func gptPartitionNumber(fsys fs.FS, dir, uuid string) (int, error) {
	ev, err := uevent(fsys, path.Join(dir, "uevent"))
	if err != nil || ev["DEVNAME"] == "" {
		return 0, fmt.Errorf("no DEVNAME in uevent")
	}
	lbs := int64(512)
	if b, err := fs.ReadFile(fsys, path.Join(dir, "queue/logical_block_size")); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n >= 512 {
			lbs = n
		}
	}
	f, err := fsys.Open(path.Join("dev", ev["DEVNAME"]))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, ok := f.(io.ReaderAt)
	if !ok {
		return 0, fmt.Errorf("device cannot be read at an offset")
	}
	entries, err := readGPT(r, lbs, 1)
	if err != nil {
		b, serr := fs.ReadFile(fsys, path.Join(dir, "size"))
		sectors, perr := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if serr != nil || perr != nil {
			return 0, err
		}
		var berr error
		if entries, berr = readGPT(r, lbs, sectors*512/lbs-1); berr != nil {
			return 0, fmt.Errorf("primary GPT: %v; backup GPT: %v", err, berr)
		}
	}
	for i, g := range entries {
		if g == uuid {
			return i + 1, nil
		}
	}
	return 0, nil
}

// readGPT reads the GPT header at LBA lba and returns the unique GUID of each entry
// ("" for unused entries), checking the header and entry-array CRC32s.
func readGPT(r io.ReaderAt, lbs, lba int64) ([]string, error) {
	hdr := make([]byte, 512)
	if _, err := r.ReadAt(hdr, lba*lbs); err != nil {
		return nil, fmt.Errorf("read GPT header: %w", err)
	}
	le := binary.LittleEndian
	if string(hdr[0:8]) != "EFI PART" {
		return nil, errors.New("no GPT signature")
	}
	hsize := le.Uint32(hdr[12:])
	if hsize < 92 || hsize > 512 {
		return nil, fmt.Errorf("GPT header size %d", hsize)
	}
	h := append([]byte(nil), hdr[:hsize]...)
	want := le.Uint32(h[16:])
	le.PutUint32(h[16:], 0)
	if crc32.ChecksumIEEE(h) != want {
		return nil, errors.New("GPT header checksum mismatch")
	}
	start, n, esize := int64(le.Uint64(hdr[72:])), le.Uint32(hdr[80:]), le.Uint32(hdr[84:])
	if esize < 128 || esize%8 != 0 || n == 0 || n > 1024 {
		return nil, fmt.Errorf("GPT with %d entries of %d bytes", n, esize)
	}
	arr := make([]byte, int(n)*int(esize))
	if _, err := r.ReadAt(arr, start*lbs); err != nil {
		return nil, fmt.Errorf("read GPT entries: %w", err)
	}
	if crc32.ChecksumIEEE(arr) != le.Uint32(hdr[88:]) {
		return nil, errors.New("GPT entries checksum mismatch")
	}
	out := make([]string, n)
	for i := range out {
		e := arr[i*int(esize):]
		if bytes.Equal(e[0:16], make([]byte, 16)) {
			continue // unused entry: zero type GUID
		}
		out[i] = guidString(e[16:32])
	}
	return out, nil
}

// guidString formats a GUID stored in GPT (mixed-endian) byte order.
func guidString(b []byte) string {
	le := binary.LittleEndian
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", le.Uint32(b[0:]), le.Uint16(b[4:]), le.Uint16(b[6:]), b[8:10], b[10:16])
}
