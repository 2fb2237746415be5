package bootslot

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
	"unicode/utf16"
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

// ReadGPT reads the GPT of a disk of size bytes with logical blocks of lbs bytes: the
// primary header if its checksums hold, else the backup at the last block, as the
// kernel does. It returns the used entries.
//
// The header checks are the ones of agents/internal/initramfs's readGPT (unexported),
// which returns unique GUIDs only; this one also returns types and names.
func ReadGPT(r io.ReaderAt, lbs, size int64) ([]Partition, error) {
	ps, err := readGPTAt(r, lbs, 1)
	if err == nil {
		return ps, nil
	}
	if size < 2*lbs {
		return nil, fmt.Errorf("primary GPT: %w", err)
	}
	ps, berr := readGPTAt(r, lbs, size/lbs-1)
	if berr != nil {
		return nil, fmt.Errorf("primary GPT: %v; backup GPT: %w", err, berr)
	}
	return ps, nil
}

func readGPTAt(r io.ReaderAt, lbs, lba int64) ([]Partition, error) {
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
	var out []Partition
	for i := 0; i < int(n); i++ {
		e := arr[i*int(esize):][:esize]
		if bytes.Equal(e[0:16], make([]byte, 16)) {
			continue // unused entry: zero type GUID
		}
		name := make([]uint16, 0, 36)
		for j := 56; j+1 < 128; j += 2 {
			c := le.Uint16(e[j:])
			if c == 0 {
				break
			}
			name = append(name, c)
		}
		out = append(out, Partition{
			Number: i + 1,
			Type:   GUIDString(e[0:16]),
			UUID:   GUIDString(e[16:32]),
			Name:   string(utf16.Decode(name)),
		})
	}
	return out, nil
}

// GUIDString formats a GUID stored in GPT (mixed-endian) byte order, lower case.
func GUIDString(b []byte) string {
	le := binary.LittleEndian
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", le.Uint32(b[0:]), le.Uint16(b[4:]), le.Uint16(b[6:]), b[8:10], b[10:16])
}

// Sysfs layout read by FindBootDisk (paths relative to "/", as in
// agents/internal/initramfs):
//
//	sys/block/<disk>/uevent                     DEVNAME=vda
//	sys/block/<disk>/size                       512-byte sectors
//	sys/block/<disk>/queue/logical_block_size   bytes per block (default 512)
//	sys/block/<disk>/<part>/partition           present for partitions
//	sys/block/<disk>/<part>/uevent              DEVNAME=vda2, PARTN=2
//	dev/<DEVNAME>                               the block device

// FindBootDisk finds the disk whose GPT holds the partition with unique GUID root (the
// booted ROOT partition) and returns its node ("/dev/vda") and partitions, each with
// its device node when the kernel has one. Disks that cannot be read are skipped; the
// error names them when none matched.
func FindBootDisk(fsys fs.FS, root string) (disk string, parts []Partition, err error) {
	disks, err := fs.ReadDir(fsys, "sys/block")
	if err != nil {
		return "", nil, fmt.Errorf("find boot disk: %w", err)
	}
	var skipped []error
	for _, d := range disks {
		dir := path.Join("sys/block", d.Name())
		devs := partitionNodes(fsys, dir)
		if len(devs) == 0 {
			continue
		}
		ps, err := readDiskGPT(fsys, dir)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("%s: %w", d.Name(), err))
			continue
		}
		for _, p := range ps {
			if p.UUID != root {
				continue
			}
			for i := range ps {
				ps[i].Dev = devs[ps[i].Number]
			}
			ev, _ := uevent(fsys, path.Join(dir, "uevent"))
			return "/dev/" + ev["DEVNAME"], ps, nil
		}
	}
	return "", nil, fmt.Errorf("find boot disk: no disk has partition %s (%w)", root, errors.Join(skipped...))
}

// partitionNodes returns the device nodes of the partitions of the disk at sysfs dir,
// by partition number.
func partitionNodes(fsys fs.FS, dir string) map[int]string {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	out := map[int]string{}
	for _, e := range ents {
		pdir := path.Join(dir, e.Name())
		if _, err := fs.Stat(fsys, path.Join(pdir, "partition")); err != nil {
			continue
		}
		ev, err := uevent(fsys, path.Join(pdir, "uevent"))
		if err != nil || ev["DEVNAME"] == "" {
			continue
		}
		if n, err := strconv.Atoi(ev["PARTN"]); err == nil {
			out[n] = "/dev/" + ev["DEVNAME"]
		}
	}
	return out
}

func readDiskGPT(fsys fs.FS, dir string) ([]Partition, error) {
	ev, err := uevent(fsys, path.Join(dir, "uevent"))
	if err != nil || ev["DEVNAME"] == "" {
		return nil, errors.New("no DEVNAME in uevent")
	}
	lbs := int64(512)
	if b, err := fs.ReadFile(fsys, path.Join(dir, "queue/logical_block_size")); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n >= 512 {
			lbs = n
		}
	}
	var size int64
	if b, err := fs.ReadFile(fsys, path.Join(dir, "size")); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			size = n * 512
		}
	}
	f, err := fsys.Open(path.Join("dev", ev["DEVNAME"]))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, ok := f.(io.ReaderAt)
	if !ok {
		return nil, errors.New("device cannot be read at an offset")
	}
	return ReadGPT(r, lbs, size)
}

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
