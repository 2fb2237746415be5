package qemu

import (
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestArgsControlSocketIsTheSecondSerialPort(t *testing.T) {
	dir := t.TempDir()
	code, vars, img := touch(t, dir, "CODE.fd"), touch(t, dir, "VARS.fd"), touch(t, dir, "disk.img")
	sock := filepath.Join(dir, "ctl,1.sock")
	c, err := configOf(t, WithUEFI(code, vars), WithDisk(img, false), WithControlSocket(sock))
	if err != nil {
		t.Fatal(err)
	}
	got := c.args(AccelTCG, "/tmp/vars.fd")
	console := slices.Index(got, "stdio")
	chardev := slices.Index(got, "-chardev")
	if console < 1 || got[console-1] != "-serial" || chardev < console {
		t.Fatalf("the console's -serial must come before the control chardev: %q", got)
	}
	want := []string{"-chardev", "socket,id=ctl,path=" + strings.ReplaceAll(sock, ",", ",,") + ",server=on,wait=off", "-serial", "chardev:ctl"}
	if tail := got[chardev:]; !slices.Equal(tail, want) {
		t.Errorf("control args %q, want %q", tail, want)
	}
	if n := strings.Count(strings.Join(got, " "), "-serial "); n != 2 {
		t.Errorf("%d serial ports in %q", n, got)
	}
}

func TestArgsConsoleInputMultiplexesTheMonitor(t *testing.T) {
	dir := t.TempDir()
	c, err := configOf(t, WithKernel(touch(t, dir, "vmlinuz")), WithConsoleInput(strings.NewReader("")))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.args(AccelTCG, ""), " "); !strings.Contains(got, "-serial mon:stdio -monitor none") {
		t.Errorf("args %q", got)
	}
	c, _ = configOf(t, WithKernel(touch(t, dir, "vmlinuz2")), WithConsoleOutput(&strings.Builder{}))
	if got := strings.Join(c.args(AccelTCG, ""), " "); !strings.Contains(got, "-serial stdio") || strings.Contains(got, "mon:") || strings.Contains(got, "-chardev") {
		t.Errorf("without input: args %q", got)
	}
}

func TestControlAndConsoleOptionErrors(t *testing.T) {
	dir := t.TempDir()
	k := touch(t, dir, "vmlinuz")
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"empty socket", []Option{WithKernel(k), WithControlSocket("")}, "empty path"},
		{"long socket", []Option{WithKernel(k), WithControlSocket("/" + strings.Repeat("s", 120))}, "longer than a Unix socket path"},
		{"socket dir", []Option{WithKernel(k), WithControlSocket(filepath.Join(dir, "nope", "ctl.sock"))}, "directory does not exist"},
		{"nil output", []Option{WithKernel(k), WithConsoleOutput(nil)}, "nil writer"},
		{"nil input", []Option{WithKernel(k), WithConsoleInput(nil)}, "nil reader"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := configOf(t, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestConsoleOutputAndInput(t *testing.T) {
	var raw strings.Builder
	m := startFake(t, `printf '\033[2Jfirmware\r\n'
read -r line
echo "guest got $line"
printf 'login: '
`, WithConsoleOutput(&raw), WithConsoleInput(strings.NewReader("typed text\n")))
	if _, err := m.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Lines(), "|"); got != "firmware|guest got typed text|login: " {
		t.Errorf("lines %q", got)
	}
	if want := "\x1b[2Jfirmware\r\nguest got typed text\nlogin: "; raw.String() != want {
		t.Errorf("raw console %q, want %q", raw.String(), want)
	}
}

// TestRealQEMUListensOnTheControlSocket checks that QEMU accepts the control and
// interactive console arguments: it runs firmware with nothing to boot and connects
// to the socket.
func TestRealQEMUListensOnTheControlSocket(t *testing.T) {
	if _, err := exec.LookPath(DefaultQEMU); err != nil {
		t.Skipf("%s not installed: %v", DefaultQEMU, err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "ctl.sock")
	m, err := Start(t.Context(), WithDisk(touch(t, dir, "empty.img"), true), WithMemory(64),
		WithControlSocket(sock), WithConsoleInput(strings.NewReader("")))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	// SeaBIOS says so once it found nothing to boot; by then QEMU listens.
	if _, _, err := m.WaitFor(t.Context(), regexp.MustCompile(`No bootable device|Boot failed`)); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("connect to QEMU's control socket: %v", err)
	}
	conn.Close()
}
