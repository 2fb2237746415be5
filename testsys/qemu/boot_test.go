package qemu

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/builder/image/initramfs"
)

// readyInit is a static PID 1 that prints the ready line and powers the machine off.
const readyInit = `package main

import (
	"os"
	"syscall"
	"time"
)

func main() {
	con, err := os.OpenFile("/dev/console", os.O_WRONLY, 0)
	if err != nil {
		con = os.Stdout
	}
	con.WriteString("KITBASH-READY {\"services\":0,\"bootMs\":1}\n")
	syscall.Sync()
	syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF)
	for {
		time.Sleep(time.Hour)
	}
}
`

// TestBootDirectKernel boots the kernel package built by this repository with a tiny
// initramfs under TCG and waits for the ready line.
func TestBootDirectKernel(t *testing.T) {
	if _, err := exec.LookPath(DefaultQEMU); err != nil {
		t.Skipf("%s not installed: %v", DefaultQEMU, err)
	}
	kernel := kernelFromStore(t)
	initrd := readyInitramfs(t)

	var serial bytes.Buffer
	m, err := Start(t.Context(),
		WithKernel(kernel), WithInitrd(initrd), WithAppend("console=ttyS0 panic=-1 quiet"),
		WithAccel(AccelTCG), WithSerialLog(&serial), WithTimeout(150*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()

	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second) // TCG timing varies
	defer cancel()
	line, elapsed, err := m.WaitFor(ctx, regexp.MustCompile(`KITBASH-READY \{.*\}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ready line %q after %v (qemu start to ready, TCG, direct -kernel)", line, elapsed.Round(time.Millisecond))
	code, err := m.Wait()
	if err != nil || code != 0 {
		t.Fatalf("qemu exit = %d, %v; serial:\n%s", code, err, serial.String())
	}
}

// kernelFromStore extracts boot/vmlinuz of the newest "kernel" package in the local
// package store, skipping the test when none was built.
func kernelFromStore(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("KITBASH_CACHE_DIR")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				t.Skipf("no cache directory: %v", err)
			}
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "kitbash")
	}
	manifests, _ := filepath.Glob(filepath.Join(cache, "packages", "*", "manifest.json"))
	var tarPath string
	var newest time.Time
	for _, mf := range manifests {
		b, err := os.ReadFile(mf)
		if err != nil {
			continue
		}
		var man struct{ Name string }
		if json.Unmarshal(b, &man) != nil || man.Name != "kernel" {
			continue
		}
		p := filepath.Join(filepath.Dir(mf), "package.tar")
		if st, err := os.Stat(p); err == nil && st.ModTime().After(newest) {
			tarPath, newest = p, st.ModTime()
		}
	}
	if tarPath == "" {
		t.Skipf("no kernel package in %s/packages; build it with `kitbash build packages kernel`", cache)
	}
	out := filepath.Join(t.TempDir(), "vmlinuz")
	if err := extractFile(tarPath, "boot/vmlinuz", out); err != nil {
		t.Fatalf("kernel package %s: %v", tarPath, err)
	}
	return out
}

func extractFile(tarPath, name, out string) error {
	f, err := os.Open(tarPath)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return errors.New(name + " not in the package")
		}
		if err != nil {
			return err
		}
		if filepath.Clean(h.Name) != name {
			continue
		}
		w, err := os.Create(out)
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

// readyInitramfs builds readyInit statically and packs it as /init with /dev/console
// into a newc cpio.
func readyInitramfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"go.mod": "module readyinit\n\ngo 1.22\n", "main.go": readyInit}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "init")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build init: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var cpio bytes.Buffer
	err = initramfs.WriteCPIO(&cpio, []initramfs.Entry{
		{Path: "/init", Mode: 0o755, Data: data},
		{Path: "/dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Rdev: initramfs.Device{Major: 5, Minor: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "initrd.cpio")
	if err := os.WriteFile(p, cpio.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
