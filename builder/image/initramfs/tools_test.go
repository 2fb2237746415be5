package initramfs

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// GNU cpio (Debian package cpio), when the host has it, must extract the archive Build
// makes to the same tree and list /dev/console as 5, 1. Skipped when cpio is missing.

func cpioTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("cpio")
	if err != nil {
		t.Skip("no cpio on this host")
	}
	return p
}

func TestCPIOExtract(t *testing.T) {
	tool := cpioTool(t)
	es, err := Build(testSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 { // mknod needs root
		kept := es[:0]
		for _, e := range es {
			if e.Mode&fs.ModeDevice == 0 {
				kept = append(kept, e)
			}
		}
		es = kept
	}
	archive := writeCPIO(t, es)
	dir := t.TempDir()
	cmd := exec.Command(tool, "-idmv", "--no-absolute-filenames")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(archive)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v\n%s", err, out)
	}

	want := byPath(es)
	seen := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		e, ok := want[rel]
		if !ok {
			t.Errorf("%s: extracted, not in the archive", rel)
			return nil
		}
		seen++
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if fi.Mode() != e.Mode {
			t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), e.Mode)
		}
		switch {
		case e.Mode&fs.ModeSymlink != 0:
			if l, err := os.Readlink(p); err != nil || l != e.Link {
				t.Errorf("%s: link %q %v, want %q", rel, l, err, e.Link)
			}
		case e.Mode.IsRegular():
			if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, e.Data) {
				t.Errorf("%s: contents %q %v, want %q", rel, b, err, e.Data)
			}
			if fi.ModTime().Unix() != 0 {
				t.Errorf("%s: mtime %v, want the epoch", rel, fi.ModTime())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(es) {
		t.Errorf("extracted %d members, want %d", seen, len(es))
	}
}

func TestCPIOList(t *testing.T) {
	tool := cpioTool(t)
	cmd := exec.Command(tool, "-itv")
	cmd.Stdin = bytes.NewReader(writeBuild(t, testSpec(t)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio -t: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^crw------- +1 +\S+ +\S+ +5, +1 .* dev/console$`).Match(out) {
		t.Errorf("no dev/console 5, 1 in\n%s", out)
	}
}
