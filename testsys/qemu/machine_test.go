package qemu

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var errTest = errors.New("test error")

// fakeQEMU writes a shell script standing in for qemu-system-x86_64 and returns the
// options that run it on an empty kernel. The script's output is its serial console.
func fakeQEMU(t *testing.T, script string) []Option {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "fake-qemu")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return []Option{WithQEMU(bin), WithKernel(touch(t, dir, "vmlinuz"))}
}

func startFake(t *testing.T, script string, opts ...Option) *Machine {
	t.Helper()
	m, err := Start(t.Context(), append(fakeQEMU(t, script), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop() })
	return m
}

func TestWaitForFollowsTheOutput(t *testing.T) {
	var log strings.Builder
	m := startFake(t, `printf '\033c\033[2JSeaBIOS\r\n'
echo "boot slot a"
sleep 0.2
echo 'KITBASH-READY {"services":0,"bootMs":1}'
echo "boot slot b"
echo 'KITBASH-READY again'
exit 0
`, WithSerialLog(&log))
	ctx := t.Context()
	line, at, err := m.WaitFor(ctx, regexp.MustCompile(`KITBASH-READY \{`))
	if err != nil {
		t.Fatal(err)
	}
	if line != `KITBASH-READY {"services":0,"bootMs":1}` || at < 200*time.Millisecond {
		t.Errorf("WaitFor = %q at %v", line, at)
	}
	// The next call starts after the matched line.
	if line, _, err := m.WaitFor(ctx, regexp.MustCompile(`^boot slot`)); err != nil || line != "boot slot b" {
		t.Errorf("second WaitFor = %q, %v", line, err)
	}
	if line, _, err := m.WaitFor(ctx, regexp.MustCompile(`KITBASH-READY`)); err != nil || line != "KITBASH-READY again" {
		t.Errorf("third WaitFor = %q, %v", line, err)
	}
	if code, err := m.Wait(); code != 0 || err != nil {
		t.Errorf("Wait = %d, %v", code, err)
	}
	want := "SeaBIOS|boot slot a|" + `KITBASH-READY {"services":0,"bootMs":1}` + "|boot slot b|KITBASH-READY again"
	if got := strings.Join(m.Lines(), "|"); got != want {
		t.Errorf("Lines = %q", got)
	}
	if log.String() != strings.ReplaceAll(want, "|", "\n")+"\n" {
		t.Errorf("serial log = %q", log.String())
	}
	if err := m.Stop(); err != nil {
		t.Errorf("Stop after exit: %v", err)
	}
}

func TestWaitForFailsWhenQEMUExits(t *testing.T) {
	m := startFake(t, `i=0; while [ $i -lt 30 ]; do echo "line $i"; i=$((i+1)); done
echo "qemu-system-x86_64: something broke" >&2
exit 3
`)
	_, _, err := m.WaitFor(t.Context(), regexp.MustCompile(`KITBASH-READY`))
	if err == nil {
		t.Fatal("WaitFor matched nothing but returned no error")
	}
	msg := err.Error()
	for _, w := range []string{`waiting for "KITBASH-READY"`, "exited with code 3", "last 20 serial lines", "| line 10\n", "| line 29", "something broke"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "| line 9\n") {
		t.Errorf("error quotes more than 20 lines:\n%s", msg)
	}
	code, err := m.Wait()
	if code != 3 || err == nil || !strings.Contains(err.Error(), "code 3: qemu-system-x86_64: something broke") {
		t.Errorf("Wait = %d, %v", code, err)
	}
}

func TestWaitForContext(t *testing.T) {
	m := startFake(t, "echo booting\nexec sleep 60\n")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, _, err := m.WaitFor(ctx, regexp.MustCompile(`never`))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "| booting") {
		t.Errorf("WaitFor = %v", err)
	}
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if code, err := m.Wait(); code != -1 || !errors.Is(err, ErrStopped) {
		t.Errorf("Wait after Stop = %d, %v", code, err)
	}
	if _, _, err := m.WaitFor(t.Context(), regexp.MustCompile(`never`)); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("WaitFor after Stop = %v", err)
	}
}

func TestWithTimeoutKills(t *testing.T) {
	m := startFake(t, "exec sleep 60\n", WithTimeout(200*time.Millisecond))
	code, err := m.Wait()
	if code != -1 || err == nil || !strings.Contains(err.Error(), "200ms timeout") {
		t.Errorf("Wait = %d, %v", code, err)
	}
}

func TestStartContextKills(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	m, err := Start(ctx, fakeQEMU(t, "exec sleep 60\n")...)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	code, err := m.Wait()
	if code != -1 || !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %d, %v", code, err)
	}
}

func TestStartPassesArgsAndCopiesUEFIVars(t *testing.T) {
	dir := t.TempDir()
	code := touch(t, dir, "CODE.fd")
	tmpl := filepath.Join(dir, "VARS.fd")
	if err := os.WriteFile(tmpl, []byte("template vars"), 0o444); err != nil {
		t.Fatal(err)
	}
	// Print each argument; for the pflash unit 1 drive, also the file's contents.
	m := startFake(t, `for a in "$@"; do
  echo "arg $a"
  case "$a" in *unit=1,file=*) echo "vars $(cat "${a#*unit=1,file=}")";; esac
done
`, WithUEFI(code, tmpl), WithAppend("console=ttyS0"))
	if _, err := m.Wait(); err != nil {
		t.Fatal(err)
	}
	out := strings.Join(m.Lines(), "\n")
	for _, w := range []string{"arg -nographic", "arg -no-reboot", "arg -accel\narg tcg", "arg -machine\narg q35", "arg console=ttyS0", "vars template vars"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	re := regexp.MustCompile(`unit=1,file=(\S+)`)
	mm := re.FindStringSubmatch(out)
	if mm == nil || mm[1] == tmpl {
		t.Fatalf("variables not copied: %q", mm)
	}
	if _, err := os.Stat(mm[1]); !os.IsNotExist(err) {
		t.Errorf("variables copy %s still there after exit: %v", mm[1], err)
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	k := touch(t, dir, "vmlinuz")
	_, err := Start(t.Context(), WithKernel(k), WithQEMU(filepath.Join(dir, "no-such-qemu")))
	if err == nil || !strings.Contains(err.Error(), "fix: install QEMU") {
		t.Errorf("missing binary: %v", err)
	}
	if _, err := Start(t.Context(), WithKernel(k), WithAccel("xen")); err == nil {
		t.Error("bad option: no error")
	}
	if _, err := Start(t.Context()); err == nil || !strings.Contains(err.Error(), "nothing to boot") {
		t.Errorf("no options: %v", err)
	}
}
