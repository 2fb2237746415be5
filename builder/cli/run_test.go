package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
	"github.com/kitbash-dev/kitbash/builder/project"
)

func TestRunAndTestWithoutAnImageSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	if _, err := project.Scaffold(dir, project.ScaffoldOptions{Name: "demo"}); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"run", "test"} {
		_, errOut, code := run(t, nil, "-C", dir, verb, "dev")
		if code == 0 {
			t.Fatalf("%s: want a non-zero exit", verb)
		}
		got := oneLine(t, errOut)
		for _, w := range []string{"variant dev has no image for version 0.1.0", "run `kitbash build variant dev`"} {
			if !strings.Contains(got, w) {
				t.Errorf("%s: error lacks %q: %s", verb, w, got)
			}
		}
	}
}

func TestRunAndTestHelp(t *testing.T) {
	for _, verb := range []string{"run", "test"} {
		out, _, code := run(t, nil, verb, "--help")
		if code != 0 || !strings.Contains(out, "Usage:") || !strings.Contains(out, "--accel") {
			t.Errorf("%s --help: exit %d, %q", verb, code, out)
		}
	}
	out, _, _ := run(t, nil, "__complete", "test", "dev", "--suite", "")
	if !strings.Contains(out, "verity-tamper") {
		t.Errorf("suite completion %q", out)
	}
}

func TestChooseAccel(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "kvm")
	os.WriteFile(dev, nil, 0o644)
	cpu := func(flags string) string {
		p := filepath.Join(dir, "cpuinfo-"+strings.ReplaceAll(flags, " ", "_"))
		os.WriteFile(p, []byte("processor\t: 0\nflags\t\t: "+flags+"\n\nprocessor\t: 1\n"), 0o644)
		return p
	}
	for _, tc := range []struct {
		device, cpuinfo string
		want            bool
	}{
		{dev, cpu("fpu vme vmx sse"), true},
		{dev, cpu("fpu svm"), true},
		{dev, cpu("fpu sse hypervisor"), false}, // a nested PVM backend
		{filepath.Join(dir, "none"), cpu("vmx"), false},
		{dev, filepath.Join(dir, "no-cpuinfo"), false},
	} {
		if got := kvmUsable(tc.device, tc.cpuinfo); got != tc.want {
			t.Errorf("kvmUsable(%s, %s) = %v", tc.device, tc.cpuinfo, got)
		}
	}
	if got, err := chooseAccel("tcg"); got != "tcg" || err != nil {
		t.Errorf("tcg = %q, %v", got, err)
	}
	if _, err := chooseAccel("hvf"); err == nil || !strings.Contains(err.Error(), "auto, kvm or tcg") {
		t.Errorf("hvf: %v", err)
	}
}

// TestTestFailsWhenTheImageDoesNotBoot runs `kitbash test` on a disk that boots
// nothing, with real QEMU and OVMF, and a short boot timeout.
func TestTestFailsWhenTheImageDoesNotBoot(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("QEMU not installed")
	}
	if _, err := os.Stat("/usr/share/OVMF/OVMF_CODE_4M.fd"); err != nil {
		t.Skip("OVMF not installed")
	}
	dir := t.TempDir()
	if _, err := project.Scaffold(dir, project.ScaffoldOptions{Name: "demo"}); err != nil {
		t.Fatal(err)
	}
	imDir := imageinfo.Dir(dir, "dev", "0.1.0")
	if err := os.MkdirAll(imDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(imDir, "dev.img"), make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := (&imageinfo.Image{Schema: imageinfo.Schema, Variant: "dev", Version: "0.1.0", Disk: "dev.img"}).Marshal()
	if err := os.WriteFile(filepath.Join(imDir, imageinfo.FileName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(t.TempDir(), "junit.xml")
	out, errOut, code := run(t, nil, "-C", dir, "-o", "json", "test", "dev", "--suite", "boot", "--timeout", "2s", "--accel", "tcg", "--junit", junit)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout %q, stderr %q", code, out, errOut)
	}
	var v testView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("stdout is no JSON report: %v\n%s", err, out)
	}
	if v.OK || v.Failed != 3 || len(v.Cases) != 3 || !strings.Contains(v.Cases[0].Failure, "no ready line within 2s") {
		t.Errorf("report %+v", v)
	}
	if !strings.Contains(errOut, "FAIL  boot/ready") {
		t.Errorf("summary not on stderr with -o json: %q", errOut)
	}
	if _, err := os.Stat(junit); err != nil {
		t.Errorf("JUnit report: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "build", "test-results", "dev", "boot.console.log")); err != nil {
		t.Errorf("console log: %v", err)
	}
}
