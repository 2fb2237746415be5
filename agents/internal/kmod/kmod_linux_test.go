//go:build linux

package kmod

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFails(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.ko")
	if err := Load(missing, Options{}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load of a missing file: %v", err)
	}
	// Not a module: refused, whether for lack of privilege or of an ELF header.
	junk := filepath.Join(t.TempDir(), "junk.ko")
	if err := os.WriteFile(junk, []byte("not a module"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Load(junk, Options{}); err == nil || !strings.HasPrefix(err.Error(), "finit_module: ") {
		t.Errorf("Load of a file that is no module: %v", err)
	}
}
