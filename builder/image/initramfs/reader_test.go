package initramfs

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// member is one decoded newc member.
type member struct {
	name                                 string
	ino, mode, uid, gid, nlink, mtime    uint32
	devMajor, devMinor, rdevMaj, rdevMin uint32
	data                                 []byte
}

// readNewc decodes a newc archive strictly, independently of the writer: magic, hex
// fields, zero check field, zero padding, and a trailer that ends the input. The
// trailer is not returned.
func readNewc(t *testing.T, b []byte) []member {
	t.Helper()
	ms, err := decodeNewc(b)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func decodeNewc(b []byte) ([]member, error) {
	var out []member
	off := 0
	for {
		if len(b)-off < newcHeader {
			return nil, fmt.Errorf("offset %d: short header", off)
		}
		h := b[off : off+newcHeader]
		if string(h[:6]) != "070701" {
			return nil, fmt.Errorf("offset %d: magic %q", off, h[:6])
		}
		var f [13]uint32
		for i := range f {
			v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
			if err != nil {
				return nil, fmt.Errorf("offset %d: field %d: %v", off, i, err)
			}
			f[i] = uint32(v)
		}
		if f[12] != 0 {
			return nil, fmt.Errorf("offset %d: check field %d", off, f[12])
		}
		nameSize, size := int(f[11]), int(f[6])
		off += newcHeader
		if nameSize < 1 || off+nameSize > len(b) || b[off+nameSize-1] != 0 {
			return nil, fmt.Errorf("offset %d: bad name size %d", off, nameSize)
		}
		name := string(b[off : off+nameSize-1])
		off += nameSize
		if err := zeros(b, &off); err != nil {
			return nil, fmt.Errorf("%s: name padding: %v", name, err)
		}
		if off+size > len(b) {
			return nil, fmt.Errorf("%s: short data", name)
		}
		data := b[off : off+size]
		off += size
		if err := zeros(b, &off); err != nil {
			return nil, fmt.Errorf("%s: data padding: %v", name, err)
		}
		if name == "TRAILER!!!" {
			if off != len(b) {
				return nil, fmt.Errorf("%d bytes after the trailer", len(b)-off)
			}
			if size != 0 || f[0] != 0 || f[1] != 0 {
				return nil, fmt.Errorf("trailer with ino %d mode %o size %d", f[0], f[1], size)
			}
			return out, nil
		}
		out = append(out, member{name: name, ino: f[0], mode: f[1], uid: f[2], gid: f[3], nlink: f[4],
			mtime: f[5], devMajor: f[7], devMinor: f[8], rdevMaj: f[9], rdevMin: f[10], data: data})
	}
}

// zeros skips the zero padding up to the next multiple of 4.
func zeros(b []byte, off *int) error {
	n := pad4(*off)
	if *off+n > len(b) || !bytes.Equal(b[*off:*off+n], make([]byte, n)) {
		return fmt.Errorf("offset %d: want %d zero bytes", *off, n)
	}
	*off += n
	return nil
}
