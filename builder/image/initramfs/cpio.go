package initramfs

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path"
)

const (
	newcMagic   = "070701"
	newcHeader  = 110 // magic and 13 fields of 8 hex digits
	trailerName = "TRAILER!!!"
	maxName     = 4096 // the kernel's PATH_MAX, NUL included
)

// Unix file type bits of a newc mode.
const (
	sIFDIR  = 0o040000
	sIFCHR  = 0o020000
	sIFBLK  = 0o060000
	sIFREG  = 0o100000
	sIFLNK  = 0o120000
	sISUID  = 0o4000
	sISGID  = 0o2000
	sISVTX  = 0o1000
	permAll = 0o777
)

// WriteCPIO writes the entries to w as a newc ("070701") cpio archive ending with the
// "TRAILER!!!" member: paths cleaned and sorted (see the package documentation),
// missing parent directories added, inodes numbered from 1, uid, gid, mtime and dev all
// 0, names and data padded to 4 bytes. Two entries with the same path are an error,
// unless both are directories with the same mode.
func WriteCPIO(w io.Writer, entries []Entry) error {
	es, err := normalize(entries)
	if err != nil {
		return fmt.Errorf("initramfs: cpio: %w", err)
	}
	subdirs := map[string]uint32{}
	for _, e := range es {
		if e.Mode.IsDir() {
			subdirs[path.Dir(e.Path)]++
		}
	}
	bw := bufio.NewWriter(w)
	for i, e := range es {
		h := header{ino: uint32(i + 1), mode: unixMode(e.Mode), nlink: 1, rdev: e.Rdev}
		body := e.Data
		switch {
		case e.Mode.IsDir():
			h.nlink = 2 + subdirs[e.Path]
		case e.Mode&fs.ModeSymlink != 0:
			body = []byte(e.Link)
		}
		if err := writeMember(bw, h, e.Path, body); err != nil {
			return fmt.Errorf("initramfs: cpio: %s: %w", e.Path, err)
		}
	}
	if err := writeMember(bw, header{nlink: 1}, trailerName, nil); err != nil {
		return fmt.Errorf("initramfs: cpio: trailer: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("initramfs: cpio: %w", err)
	}
	return nil
}

// header holds the newc fields that vary; uid, gid, mtime, dev and check are 0.
type header struct {
	ino, mode, nlink uint32
	rdev             Device
}

func writeMember(w *bufio.Writer, h header, name string, body []byte) error {
	nameSize := len(name) + 1
	if nameSize > maxName {
		return fmt.Errorf("name longer than %d bytes", maxName-1)
	}
	fields := [13]uint32{
		h.ino, h.mode, 0, 0, h.nlink, 0, // ino mode uid gid nlink mtime
		uint32(len(body)), 0, 0, // filesize devmajor devminor
		h.rdev.Major, h.rdev.Minor, uint32(nameSize), 0, // rdevmajor rdevminor namesize check
	}
	if _, err := w.WriteString(newcMagic); err != nil {
		return err
	}
	for _, f := range fields {
		if _, err := fmt.Fprintf(w, "%08x", f); err != nil {
			return err
		}
	}
	if _, err := w.WriteString(name); err != nil {
		return err
	}
	if _, err := w.Write(make([]byte, 1+pad4(newcHeader+nameSize))); err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	_, err := w.Write(make([]byte, pad4(len(body))))
	return err
}

// pad4 is the number of zero bytes that bring n to a multiple of 4.
func pad4(n int) int { return (4 - n%4) % 4 }

func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm()) & permAll
	switch {
	case m.IsDir():
		u |= sIFDIR
	case m&fs.ModeSymlink != 0:
		u |= sIFLNK
	case m&fs.ModeCharDevice != 0:
		u |= sIFCHR
	case m&fs.ModeDevice != 0:
		u |= sIFBLK
	default:
		u |= sIFREG
	}
	if m&fs.ModeSetuid != 0 {
		u |= sISUID
	}
	if m&fs.ModeSetgid != 0 {
		u |= sISGID
	}
	if m&fs.ModeSticky != 0 {
		u |= sISVTX
	}
	return u
}
