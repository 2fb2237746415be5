package bootslot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf16"
)

// LoaderGUID is the vendor GUID of systemd-boot's EFI variables.
const LoaderGUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

// Host is the machine bootslot works on. The ESP is changed through ordinary file
// operations under ESPDir (a temporary directory in tests); everything else is read
// through the methods.
type Host interface {
	// ESPDir is the directory where the ESP is mounted.
	ESPDir() string
	// Cmdline returns the kernel command line.
	Cmdline() (string, error)
	// EFIVar returns the data of the EFI variable name-guid (after efivarfs's 4-byte
	// attribute header); an error wrapping fs.ErrNotExist when it is not set.
	EFIVar(name, guid string) ([]byte, error)
	// Partitions returns the GPT partitions of the boot disk.
	Partitions() ([]Partition, error)
}

// Paths is a Host made of paths: the mounted ESP, the efivarfs directory (""
// when there is none), the file holding the kernel command line, and a function
// reading the boot disk's GPT (nil when there is none).
type Paths struct {
	ESP, EFIVars, CmdlineFile string
	GPT                       func() ([]Partition, error)
}

func (p Paths) ESPDir() string { return p.ESP }

func (p Paths) Cmdline() (string, error) {
	b, err := os.ReadFile(p.CmdlineFile)
	if err != nil {
		return "", fmt.Errorf("kernel command line: %w", err)
	}
	return string(b), nil
}

func (p Paths) EFIVar(name, guid string) ([]byte, error) {
	if p.EFIVars == "" {
		return nil, fmt.Errorf("EFI variable %s: no efivarfs: %w", name, fs.ErrNotExist)
	}
	b, err := os.ReadFile(filepath.Join(p.EFIVars, name+"-"+guid))
	if err != nil {
		return nil, fmt.Errorf("EFI variable %s: %w", name, err)
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("EFI variable %s: %d bytes, no attribute header", name, len(b))
	}
	return b[4:], nil
}

func (p Paths) Partitions() ([]Partition, error) {
	if p.GPT == nil {
		return nil, errors.New("boot disk: no GPT reader")
	}
	return p.GPT()
}

// EFIString decodes an EFI string variable: UTF-16LE, up to the first NUL.
func EFIString(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := uint16(b[i]) | uint16(b[i+1])<<8
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// EncodeEFIString is the efivarfs file content of an EFI string variable as
// systemd-boot writes it: the attributes (0x6, boot service and runtime access, a
// volatile variable), then the UTF-16LE string with its NUL. For tests and fakes.
func EncodeEFIString(s string) []byte {
	b := []byte{6, 0, 0, 0}
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return append(b, 0, 0)
}
