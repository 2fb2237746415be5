package assemble

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// ExecutableID identifies the running program for WithTool: a digest of the Go build ID
// in its executable (which changes whenever its code or toolchain does), or of the whole
// executable when it has none.
func ExecutableID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the kitbash executable: %w", err)
	}
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if s := f.Section(".note.go.buildid"); s != nil {
			if note, err := s.Data(); err == nil && len(note) > 0 {
				sum := sha256.Sum256(note)
				return "go-buildid:" + hex.EncodeToString(sum[:]), nil
			}
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("read the kitbash executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash the kitbash executable %s: %w", exe, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
