package qemu

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/builder/image/initramfs"
	"github.com/kitbash-dev/kitbash/testsys/control"
)

// controlInit is a static PID 1 that mounts devtmpfs, starts testsysd on ttyS1 and
// prints the ready line. Run as "/init blob N" it writes N bytes (for the commands).
const controlInit = `package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "blob" {
		n, _ := strconv.Atoi(os.Args[2])
		os.Stdout.Write(bytes.Repeat([]byte("0123456789abcdef"), n/16))
		return
	}
	con, err := os.OpenFile("/dev/console", os.O_WRONLY, 0)
	if err != nil {
		con = os.Stdout
	}
	if err := syscall.Mount("devtmpfs", "/dev", "devtmpfs", 0, ""); err != nil {
		con.WriteString("mount /dev: " + err.Error() + "\n")
	}
	cmd := exec.Command("/testsysd", "-port", "/dev/ttyS1")
	cmd.Stderr = con
	if err := cmd.Start(); err != nil {
		con.WriteString("start testsysd: " + err.Error() + "\n")
	}
	con.WriteString("KITBASH-READY {\"services\":1,\"bootMs\":1}\n")
	for {
		time.Sleep(time.Hour)
	}
}
`

// TestControlChannelDirectKernel boots the repository's kernel with an initramfs
// running the real testsysd on the second serial port, and runs commands through
// the control socket.
func TestControlChannelDirectKernel(t *testing.T) {
	if _, err := exec.LookPath(DefaultQEMU); err != nil {
		t.Skipf("%s not installed: %v", DefaultQEMU, err)
	}
	kernel := kernelFromStore(t)
	initrd := controlInitramfs(t)
	sock := filepath.Join(t.TempDir(), "ctl.sock")
	var serial bytes.Buffer
	m, err := Start(t.Context(),
		WithKernel(kernel), WithInitrd(initrd), WithAppend("console=ttyS0 panic=-1 quiet"),
		WithControlSocket(sock), WithSerialLog(&serial), WithTimeout(300*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 240*time.Second) // TCG timing varies
	defer cancel()
	if _, _, err := m.WaitFor(ctx, regexp.MustCompile(`KITBASH-READY`)); err != nil {
		t.Fatal(err)
	}
	c, err := control.Dial(ctx, sock)
	if err != nil {
		t.Fatalf("%v\nserial:\n%s", err, serial.String())
	}
	defer c.Close()
	start := time.Now()
	res, err := c.Exec(ctx, []string{"/init", "blob", "65536"}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("64 KiB of output came back over the serial control channel in %v", time.Since(start).Round(time.Millisecond))
	if res.Err() != nil || res.Stdout != strings.Repeat("0123456789abcdef", 4096) {
		t.Errorf("blob: exit %d, error %q, %d bytes", res.Exit, res.Error, len(res.Stdout))
	}
	res, err = c.Exec(ctx, []string{"/no/such/command"}, "")
	if err != nil || res.Exit != -1 || !strings.Contains(res.Error, "no such file") {
		t.Errorf("missing command: %+v, %v", res, err)
	}
}

func controlInitramfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"go.mod": "module controlinit\n\ngo 1.22\n", "main.go": controlInit}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := func(dir, pkg, out string) []byte {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=", "GOWORK=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	agents, err := filepath.Abs(filepath.Join("..", "..", "agents"))
	if err != nil {
		t.Fatal(err)
	}
	initBin := build(dir, ".", filepath.Join(dir, "init"))
	agentBin := build(agents, "./cmd/testsysd", filepath.Join(dir, "testsysd"))
	var cpio bytes.Buffer
	err = initramfs.WriteCPIO(&cpio, []initramfs.Entry{
		{Path: "/init", Mode: 0o755, Data: initBin},
		{Path: "/testsysd", Mode: 0o755, Data: agentBin},
		{Path: "/dev", Mode: fs.ModeDir | 0o755},
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
