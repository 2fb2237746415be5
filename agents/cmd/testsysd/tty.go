package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// tcsetsf is TCSETSF (set attributes after draining output, flushing input) on x86
// and the asm-generic architectures; package syscall lacks it.
const tcsetsf = 0x5404

// cbaud masks the baud rate bits of c_cflag (Linux).
const cbaud = 0x100f

// crtscts is hardware flow control in c_cflag (Linux).
const crtscts = 0x80000000

// openSerial opens a serial device without waiting for carrier, puts it in raw mode at
// 115200 baud (8N1, no echo, no translation, reads return each byte as it comes),
// discards input that arrived before, and returns it in blocking mode.
func openSerial(path string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := makeRaw(fd); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("%s: raw mode: %w", path, err)
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// makeRaw is cfmakeraw plus CLOCAL (ignore modem lines) and 115200 baud, applied with
// TCSETSF so input queued before is dropped.
func makeRaw(fd int) error {
	var t syscall.Termios
	if err := ioctl(fd, syscall.TCGETS, unsafe.Pointer(&t)); err != nil {
		return fmt.Errorf("TCGETS: %w", err)
	}
	rawTermios(&t)
	if err := ioctl(fd, tcsetsf, unsafe.Pointer(&t)); err != nil {
		return fmt.Errorf("TCSETSF: %w", err)
	}
	return nil
}

// rawTermios changes t the way cfmakeraw does, and more.
func rawTermios(t *syscall.Termios) {
	t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP |
		syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON | syscall.IXOFF
	t.Oflag &^= syscall.OPOST
	t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	t.Cflag &^= syscall.CSIZE | syscall.PARENB | cbaud | crtscts | syscall.HUPCL
	t.Cflag |= syscall.CS8 | syscall.CLOCAL | syscall.CREAD | syscall.B115200
	t.Ispeed, t.Ospeed = syscall.B115200, syscall.B115200
	t.Cc[syscall.VMIN] = 1
	t.Cc[syscall.VTIME] = 0
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}
