//go:build integration

package integration

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/builder/image/initramfs"
	"github.com/kitbash-dev/kitbash/testsys/qemu"
)

// TestBootAgentsInit boots the kernel package under QEMU (TCG, direct kernel) with the
// agents package's init as PID 1 in an initramfs, and waits for its ready line: the
// packages this repository builds boot.
func TestBootAgentsInit(t *testing.T) {
	a, _, _ := fullBuild(t)
	dir := t.TempDir()
	kernel := filepath.Join(dir, "vmlinuz")
	if err := extractFromPackage(a, "kernel", "boot/vmlinuz", kernel); err != nil {
		t.Fatal(err)
	}
	initBin := filepath.Join(dir, "init")
	if err := extractFromPackage(a, "agents", "usr/bin/init", initBin); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(initBin)
	if err != nil {
		t.Fatal(err)
	}
	var cpio bytes.Buffer
	entries := []initramfs.Entry{
		{Path: "/init", Mode: 0o755, Data: data},
		{Path: "/dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Rdev: initramfs.Device{Major: 5, Minor: 1}},
		{Path: "/etc/hostname", Mode: 0o644, Data: []byte("kitbash-test\n")},
	}
	for _, d := range []string{"/proc", "/sys", "/run", "/tmp", "/usr/lib/kitbash/services"} {
		entries = append(entries, initramfs.Entry{Path: d, Mode: fs.ModeDir | 0o755})
	}
	if err := initramfs.WriteCPIO(&cpio, entries); err != nil {
		t.Fatal(err)
	}
	initrd := filepath.Join(dir, "initrd.cpio")
	if err := os.WriteFile(initrd, cpio.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var serial bytes.Buffer
	m, err := qemu.Start(context.Background(), qemu.WithKernel(kernel), qemu.WithInitrd(initrd),
		qemu.WithAppend("console=ttyS0 panic=-1 ip=off"), qemu.WithSerialLog(&serial), qemu.WithTimeout(4*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // TCG timing varies
	defer cancel()
	line, elapsed, err := m.WaitFor(ctx, regexp.MustCompile(`KITBASH-READY \{"services":0,`))
	if err != nil {
		t.Fatalf("%v\nserial:\n%s", err, serial.String())
	}
	t.Logf("agents' init ready after %v: %s", elapsed.Round(time.Millisecond), line)
}

// extractFromPackage copies one file out of the named package in m's package store.
func extractFromPackage(m *machine, pkg, name, out string) error {
	manifests, _ := filepath.Glob(filepath.Join(m.cache, "packages", "*", "manifest.json"))
	for _, mf := range manifests {
		b, err := os.ReadFile(mf)
		if err != nil {
			return err
		}
		var man struct{ Name string }
		if json.Unmarshal(b, &man) != nil || man.Name != pkg {
			continue
		}
		f, err := os.Open(filepath.Join(filepath.Dir(mf), "package.tar"))
		if err != nil {
			return err
		}
		defer f.Close()
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return errors.New(name + " is not in package " + pkg)
			}
			if err != nil {
				return err
			}
			if filepath.Clean(h.Name) == name {
				w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
				if err != nil {
					return err
				}
				if _, err := io.Copy(w, tr); err != nil {
					w.Close()
					return err
				}
				return w.Close()
			}
		}
	}
	return errors.New("no package " + pkg + " in the store")
}
