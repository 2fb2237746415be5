package sysblock

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/kitbash-dev/kitbash/agents/internal/gpt"
)

// Partition is a partition of a disk, as its uevent describes it.
type Partition struct {
	Dev    string // device node, "/dev/vda2"
	Number int    // PARTN, the GPT entry number; 0 when the uevent lacks it
	UUID   string // PARTUUID, lower case; "" when the kernel does not give it
}

// Partitions returns the partitions of the disk at sysfs directory dir
// ("sys/block/vda"), those with a device name; none when dir cannot be read.
func Partitions(fsys fs.FS, dir string) []Partition {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	var out []Partition
	for _, e := range ents {
		pdir := path.Join(dir, e.Name())
		if _, err := fs.Stat(fsys, path.Join(pdir, "partition")); err != nil {
			continue
		}
		ev, err := Uevent(fsys, path.Join(pdir, "uevent"))
		if err != nil || ev["DEVNAME"] == "" {
			continue
		}
		n, _ := strconv.Atoi(ev["PARTN"])
		out = append(out, Partition{Dev: "/dev/" + ev["DEVNAME"], Number: n, UUID: strings.ToLower(ev["PARTUUID"])})
	}
	return out
}

// ReadGPT reads the GPT of the disk at sysfs directory dir from its device node, with
// the disk's logical block size, and its size for the backup copy (see gpt.Read).
func ReadGPT(fsys fs.FS, dir string) ([]gpt.Entry, error) {
	ev, err := Uevent(fsys, path.Join(dir, "uevent"))
	if err != nil || ev["DEVNAME"] == "" {
		return nil, errors.New("no DEVNAME in uevent")
	}
	o := gpt.Options{BlockSize: 512}
	if n, err := readInt(fsys, path.Join(dir, "queue/logical_block_size")); err == nil && n >= 512 {
		o.BlockSize = n
	}
	if n, err := readInt(fsys, path.Join(dir, "size")); err == nil {
		o.DiskSize = n * 512
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
	return gpt.Read(r, o)
}

// readInt reads a file holding one decimal number.
func readInt(fsys fs.FS, p string) (int64, error) {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p, err)
	}
	return n, nil
}

// Uevent parses the KEY=VALUE lines of a uevent file.
func Uevent(fsys fs.FS, p string) (map[string]string, error) {
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
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return out, nil
}
