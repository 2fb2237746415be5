package main

import (
	"bufio"
	"fmt"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair: the master and the slave's path.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	const tiocsptlck, tiocgptn = 0x40045431, 0x80045430
	var unlock, n uint32
	if err := ioctl(int(m.Fd()), tiocsptlck, unsafe.Pointer(&unlock)); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	if err := ioctl(int(m.Fd()), tiocgptn, unsafe.Pointer(&n)); err != nil {
		t.Skipf("ptsname: %v", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

func TestOpenSerialMakesARawTerminal(t *testing.T) {
	master, slave := openPTY(t)
	f, err := openSerial(slave)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var tio syscall.Termios
	if err := ioctl(int(f.Fd()), syscall.TCGETS, unsafe.Pointer(&tio)); err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&(syscall.ECHO|syscall.ICANON|syscall.ISIG) != 0 || tio.Oflag&syscall.OPOST != 0 || tio.Iflag&syscall.ICRNL != 0 || tio.Cflag&syscall.CLOCAL == 0 {
		t.Errorf("not raw: %+v", tio)
	}
	go serve(t.Context(), f, f, execCommand)
	r := bufio.NewReader(master)
	if line, err := r.ReadString('\n'); err != nil || line != string(helloLine) {
		t.Fatalf("hello = %q, %v", line, err)
	}
	// No echo, no CR/LF translation in either direction.
	if _, err := master.WriteString(`{"id":7,"argv":["printf","a\nb"]}` + "\n"); err != nil {
		t.Fatal(err)
	}
	line, err := r.ReadString('\n')
	if want := `{"id":7,"exit":0,"stdout":"a\nb","stderr":"","error":""}` + "\n"; err != nil || line != want {
		t.Errorf("response %q, %v; want %q", line, err, want)
	}
}

func TestOpenSerialErrors(t *testing.T) {
	if _, err := openSerial("/nonexistent/ttyS9"); err == nil {
		t.Error("missing device: no error")
	}
	f, err := os.CreateTemp(t.TempDir(), "notatty")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := openSerial(f.Name()); err == nil {
		t.Error("regular file: no error")
	}
}
