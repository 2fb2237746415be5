//go:build linux

package initramfs

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func (linuxSystem) OpenDisk(p string) (Disk, error) { return openFileDisk(p) }

func (linuxSystem) BlkpgResize(disk string, pno int, start, length int64) error {
	f, err := os.Open(disk)
	if err != nil {
		return err
	}
	defer f.Close()
	part := &blkpgPartition{Start: start, Length: length, Pno: int32(pno)}
	arg := &blkpgIoctlArg{Op: blkpgResizePartition, Datalen: int32(unsafe.Sizeof(*part)), Data: part}
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), blkpgIoctl, uintptr(unsafe.Pointer(arg)))
	if e != 0 {
		return fmt.Errorf("ioctl BLKPG: %w", e)
	}
	return nil
}
