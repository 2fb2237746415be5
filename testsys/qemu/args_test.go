package qemu

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// touch makes an empty file named name in dir and returns its path.
func touch(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func configOf(t *testing.T, opts ...Option) (config, error) {
	t.Helper()
	c := defaultConfig()
	for _, o := range opts {
		if err := o(&c); err != nil {
			return c, err
		}
	}
	return c, c.validate()
}

func TestArgsDirectKernel(t *testing.T) {
	dir := t.TempDir()
	k, i := touch(t, dir, "vmlinuz"), touch(t, dir, "initrd")
	d1, d2 := touch(t, dir, "root,a.img"), touch(t, dir, "data.img")
	c, err := configOf(t, WithKernel(k), WithInitrd(i), WithAppend("console=ttyS0 panic=-1"),
		WithDisk(d1, true), WithDisk(d2, false), WithMemory(256))
	if err != nil {
		t.Fatal(err)
	}
	got := c.args(AccelTCG, "")
	want := []string{
		"-nographic", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nic", "none",
		"-m", "256", "-smp", "1", "-device", "virtio-rng-pci", "-accel", "tcg",
		"-kernel", k, "-initrd", i, "-append", "console=ttyS0 panic=-1",
		"-drive", "file=" + strings.ReplaceAll(d1, ",", ",,") + ",if=virtio,format=raw,readonly=on",
		"-drive", "file=" + d2 + ",if=virtio,format=raw",
	}
	if !slices.Equal(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}
}

func TestArgsUEFI(t *testing.T) {
	dir := t.TempDir()
	code, vars, img := touch(t, dir, "CODE.fd"), touch(t, dir, "VARS.fd"), touch(t, dir, "disk.img")
	c, err := configOf(t, WithUEFI(code, vars), WithDisk(img, false), WithAccel(AccelKVM))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.args(AccelKVM, "/tmp/copy.fd"), " ")
	for _, w := range []string{
		"-accel kvm", "-machine q35",
		"-drive if=pflash,format=raw,unit=0,readonly=on,file=" + code,
		"-drive if=pflash,format=raw,unit=1,file=/tmp/copy.fd",
		"-drive file=" + img + ",if=virtio,format=raw",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("args %q lack %q", got, w)
		}
	}
	if strings.Contains(got, "-kernel") || strings.Contains(got, "-append") {
		t.Errorf("args %q boot a kernel directly", got)
	}
}

func TestDefaults(t *testing.T) {
	c := defaultConfig()
	if c.accel != AccelTCG || c.memoryMiB != DefaultMemoryMiB || c.qemu != DefaultQEMU || c.timeout != 0 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestOptionErrors(t *testing.T) {
	dir := t.TempDir()
	k := touch(t, dir, "vmlinuz")
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"nothing", nil, "nothing to boot"},
		{"initrd alone", []Option{WithInitrd(k)}, "need WithKernel"},
		{"append alone", []Option{WithDisk(k, true), WithAppend("x")}, "need WithKernel"},
		{"missing kernel", []Option{WithKernel(filepath.Join(dir, "nope"))}, "kernel: stat"},
		{"missing disk", []Option{WithKernel(k), WithDisk(filepath.Join(dir, "nope"), false)}, "disk: stat"},
		{"directory", []Option{WithKernel(dir)}, "not a regular file"},
		{"missing vars", []Option{WithUEFI(k, filepath.Join(dir, "nope"))}, "UEFI variables template"},
		{"bad accel", []Option{WithAccel("hvf")}, `unknown accelerator "hvf"`},
		{"memory", []Option{WithMemory(1)}, "too little"},
		{"timeout", []Option{WithTimeout(-time.Second)}, "negative"},
		{"empty kernel", []Option{WithKernel("")}, "empty path"},
		{"empty qemu", []Option{WithQEMU("")}, "empty binary"},
		{"uefi half", []Option{WithUEFI(k, "")}, "both required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := configOf(t, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestResolveAccel(t *testing.T) {
	dir := t.TempDir()
	if got := resolveAccel(AccelAuto, filepath.Join(dir, "no-kvm")); got != AccelTCG {
		t.Errorf("auto without a device = %q, want tcg", got)
	}
	if got := resolveAccel(AccelAuto, touch(t, dir, "kvm")); got != AccelKVM {
		t.Errorf("auto with an openable device = %q, want kvm", got)
	}
	if got := resolveAccel(AccelTCG, touch(t, dir, "kvm2")); got != AccelTCG {
		t.Errorf("tcg = %q", got)
	}
}

func TestArgsUserNetworkAndReboot(t *testing.T) {
	c := defaultConfig()
	for _, o := range []Option{WithUserNetwork(), WithReboot()} {
		if err := o(&c); err != nil {
			t.Fatal(err)
		}
	}
	a := strings.Join(c.args(AccelTCG, "vars.fd"), " ")
	if !strings.Contains(a, "-nic user,model=virtio-net-pci") || strings.Contains(a, "-nic none") || strings.Contains(a, "-no-reboot") {
		t.Fatalf("args: %s", a)
	}
	def := defaultConfig()
	d := strings.Join(def.args(AccelTCG, "vars.fd"), " ")
	if !strings.Contains(d, "-nic none") || !strings.Contains(d, "-no-reboot") {
		t.Fatalf("default args: %s", d)
	}
}

func TestArgsCPUs(t *testing.T) {
	img := touch(t, t.TempDir(), "disk.img")
	c, err := configOf(t, WithDisk(img, false), WithCPUs(2), WithCPUModel("max"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.args(AccelTCG, ""), " ")
	if !strings.Contains(got, "-smp 2 ") || !strings.Contains(got, "-cpu max -accel tcg") {
		t.Errorf("args: %s", got)
	}
	for _, o := range []Option{WithCPUs(0), WithCPUModel(""), WithCPUModel("max -S")} {
		if _, err := configOf(t, WithDisk(img, false), o); err == nil {
			t.Errorf("accepted a bad CPU option")
		}
	}
}
