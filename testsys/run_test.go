package testsys

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

const (
	fakeRootOffset = 1 << 20 // ROOT-A
	fakeFileAt     = 8192    // the target file's first block within ROOT-A
	fakeRootHash   = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// fakeImage writes an image directory whose ROOT-A holds the target file's content
// at a block boundary, and points the fake QEMU at it.
func fakeImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewChaCha8([32]byte{7}))
	file := make([]byte, 10*blockSize+100)
	for i := range file {
		file[i] = byte(rng.Uint32())
	}
	disk := make([]byte, 8<<20)
	copy(disk[fakeRootOffset+fakeFileAt:], file)
	write(t, filepath.Join(dir, "dev-0.1.0.img"), disk)
	hostFile := filepath.Join(t.TempDir(), "updater")
	write(t, hostFile, file)
	im := imageinfo.Image{
		Schema: imageinfo.Schema, Variant: "dev", Version: "0.1.0", Arch: "x86_64",
		Disk: "dev-0.1.0.img", DiskSize: int64(len(disk)),
		Partitions: []imageinfo.Partition{
			{Name: "ROOT-A", Offset: fakeRootOffset, Size: 4 << 20, Used: 3 << 20},
		},
		Slots: []imageinfo.Slot{{Name: "a", Filled: true, RootHash: fakeRootHash}, {Name: "b"}},
	}
	b, err := im.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, imageinfo.FileName), b)
	t.Setenv(fakeQEMUEnv, "1")
	t.Setenv("FAKE_FILE", hostFile)
	t.Setenv("FAKE_FILE_OFFSET", strconv.Itoa(fakeRootOffset+fakeFileAt))
	t.Setenv("FAKE_ROOTHASH", fakeRootHash)
	return dir
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeOptions runs the test binary as QEMU with dummy firmware files.
func fakeOptions(t *testing.T, imageDir string) Options {
	t.Helper()
	fw := t.TempDir()
	write(t, filepath.Join(fw, "CODE.fd"), nil)
	write(t, filepath.Join(fw, "VARS.fd"), nil)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		ImageDir: imageDir, QEMU: exe,
		OVMFCode: filepath.Join(fw, "CODE.fd"), OVMFVars: filepath.Join(fw, "VARS.fd"),
		WorkDir:   filepath.Join(t.TempDir(), "work"),
		JUnitPath: filepath.Join(t.TempDir(), "results", "junit.xml"),
	}
}

func TestRunAllSuitesAgainstAFakeGuest(t *testing.T) {
	dir := fakeImage(t)
	orig, err := os.ReadFile(filepath.Join(dir, "dev-0.1.0.img"))
	if err != nil {
		t.Fatal(err)
	}
	o := fakeOptions(t, dir)
	var log strings.Builder
	o.Log = &log
	rep, err := Run(t.Context(), o)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	if !rep.OK() {
		t.Fatalf("report not OK:\n%s", log.String())
	}
	t.Log("\n" + log.String())
	var ids []string
	for _, c := range rep.Cases {
		ids = append(ids, c.ID())
	}
	want := "boot/ready boot/cmdline-roothash boot/os-release bootstrap/console bootstrap/container bootstrap/containerd-plugins " +
		"settings/get-default settings/set settings/rendered settings/refuses-invalid verity-tamper/read-fails"
	if strings.Join(ids, " ") != want {
		t.Errorf("cases %q", ids)
	}
	if rep.BootTime <= 0 || rep.Variant != "dev" || rep.Version != "0.1.0" {
		t.Errorf("report %+v", rep)
	}
	// The middle block of the 10 whole blocks is block 5, at ROOT-A 8192+5*4096.
	tamper := rep.Cases[len(rep.Cases)-1]
	notes := strings.Join(tamper.Notes, "\n")
	for _, w := range []string{"disk offset " + strconv.Itoa(fakeRootOffset+fakeFileAt+5*blockSize+blockSize/2), "verity data block 7,", "block 5 of /usr/bin/updater", "data block 7 is corrupted"} {
		if !strings.Contains(notes, w) {
			t.Errorf("tamper notes lack %q:\n%s", w, notes)
		}
	}
	for _, w := range []string{"PASS  boot/ready", "PASS  verity-tamper/read-fails", "dev 0.1.0: 11 passed, 0 failed, 11 total"} {
		if !strings.Contains(log.String(), w) {
			t.Errorf("summary lacks %q:\n%s", w, log.String())
		}
	}
	// The built image is untouched; the copies are gone, the console logs stay.
	if now, _ := os.ReadFile(filepath.Join(dir, "dev-0.1.0.img")); !bytes.Equal(now, orig) {
		t.Error("the built disk was modified")
	}
	left, _ := filepath.Glob(filepath.Join(o.WorkDir, "*"))
	if got := strings.Join(baseNames(left), " "); got != "boot.console.log verity-tamper.console.log" {
		t.Errorf("work dir holds %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(o.WorkDir, "boot.console.log")); !strings.Contains(string(b), "KITBASH-READY") {
		t.Errorf("console log %q", b)
	}
	junit, err := os.ReadFile(o.JUnitPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(junit, &doc); err != nil {
		t.Fatalf("JUnit: %v\n%s", err, junit)
	}
	if doc.Tests != 11 || doc.Failures != 0 || len(doc.Suites) != 4 {
		t.Errorf("JUnit: %d tests, %d failures, %d suites", doc.Tests, doc.Failures, len(doc.Suites))
	}
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

func TestRunBootFailure(t *testing.T) {
	dir := fakeImage(t)
	t.Setenv("FAKE_BOOT_FAIL", "1")
	o := fakeOptions(t, dir)
	o.Suites = []string{SuiteBoot, SuiteSettings}
	rep, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Failed() != len(rep.Cases) {
		t.Fatalf("want every case failed: %+v", rep.Cases)
	}
	ready := rep.Cases[0]
	if ready.ID() != "boot/ready" || !strings.Contains(ready.Failure, "boot failed: no verity device") || len(ready.Console) == 0 {
		t.Errorf("boot/ready = %+v", ready)
	}
	if !strings.Contains(rep.Cases[len(rep.Cases)-1].Failure, "not run: the machine did not boot") {
		t.Errorf("settings case = %+v", rep.Cases[len(rep.Cases)-1])
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(t.Context(), Options{ImageDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "kitbash build variant") {
		t.Errorf("no image: %v", err)
	}
	if _, err := Run(t.Context(), Options{}); err == nil {
		t.Error("no image dir: no error")
	}
	dir := fakeImage(t)
	o := fakeOptions(t, dir)
	o.Suites = []string{"boot", "nope"}
	if _, err := Run(t.Context(), o); err == nil || !strings.Contains(err.Error(), `unknown suite "nope"`) {
		t.Errorf("unknown suite: %v", err)
	}
	o = fakeOptions(t, dir)
	o.OVMFCode = filepath.Join(t.TempDir(), "missing.fd")
	if _, err := Run(t.Context(), o); err == nil || !strings.Contains(err.Error(), "install OVMF") {
		t.Errorf("no firmware: %v", err)
	}
}
