package testsys

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Linux lseek whence values for sparse files.
const (
	seekData = 3
	seekHole = 4
)

const copyChunk = 1 << 20

// CopyDisk copies the disk image src to dst (replacing it), leaving holes where src
// has holes or all-zero 1 MiB chunks, so a 2 GiB mostly empty disk costs little.
func CopyDisk(dst, src string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy disk: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("copy disk: %w", err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("copy disk: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy disk to %s: %w", dst, cerr)
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	size := st.Size()
	buf := make([]byte, copyChunk)
	for off := int64(0); off < size; {
		start, end, err := nextData(in, off, size)
		if err != nil {
			return fmt.Errorf("copy disk %s: %w", src, err)
		}
		if start >= size {
			break
		}
		for p := start; p < end; {
			n, err := in.ReadAt(buf[:min(int64(len(buf)), end-p)], p)
			if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
				return fmt.Errorf("copy disk %s: %w", src, err)
			}
			if !allZero(buf[:n]) {
				if _, err := out.WriteAt(buf[:n], p); err != nil {
					return fmt.Errorf("copy disk to %s: %w", dst, err)
				}
			}
			p += int64(n)
		}
		off = end
	}
	if err := out.Truncate(size); err != nil {
		return fmt.Errorf("copy disk to %s: %w", dst, err)
	}
	return nil
}

// nextData finds the data region [start, end) at or after off; start is size when
// only a hole is left. Without SEEK_DATA support everything is data.
func nextData(f *os.File, off, size int64) (int64, int64, error) {
	start, err := f.Seek(off, seekData)
	switch {
	case errors.Is(err, syscall.ENXIO):
		return size, size, nil
	case errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EOPNOTSUPP):
		return off, size, nil
	case err != nil:
		return 0, 0, err
	}
	end, err := f.Seek(start, seekHole)
	if err != nil {
		return start, size, nil
	}
	return start, min(end, size), nil
}

func allZero(b []byte) bool {
	var zero [4096]byte
	for len(b) > 0 {
		n := min(len(b), len(zero))
		if !bytes.Equal(b[:n], zero[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}
