//go:build integration

package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

// builtImage is `kitbash build variant -o json`.
type builtImage struct {
	Dir, Disk, RootHash string
	Packages            []string
}

func (m *machine) buildVariant(t *testing.T, args ...string) (builtImage, *imageinfo.Image) {
	t.Helper()
	r := m.ok(t, append([]string{"build", "variant", "dev", "-o", "json"}, args...)...)
	var b builtImage
	if err := json.Unmarshal([]byte(r.stdout), &b); err != nil {
		t.Fatalf("build variant output: %v\n%s", err, r.stdout)
	}
	im, err := imageinfo.Read(b.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return b, im
}

// TestVariantImage builds the dev image on the machine of the full package build and
// on a second machine in another directory that imports the packages from the shared
// cache, and checks: identical SHA256SUMS; sgdisk finds no problem; veritysetup accepts
// ROOT-A and HASH-A with the root hash of the boot entry on the ESP; the testsys suites
// pass on the image under QEMU with OVMF (TCG).
func TestVariantImage(t *testing.T) {
	a, _, shared := fullBuild(t)
	first, im := a.buildVariant(t)
	if want := filepath.Join(a.project, "build", "images", "dev", "0.1.0"); first.Dir != want {
		t.Fatalf("image written to %s, want %s", first.Dir, want)
	}
	sumsA, err := os.ReadFile(filepath.Join(first.Dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}

	b := newMachine(t, "image-builder-b", "somewhere/else")
	b.ok(t, "build", "packages", "--cache-from", shared, "-o", "json")
	second, _ := b.buildVariant(t)
	sumsB, err := os.ReadFile(filepath.Join(second.Dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sumsA, sumsB) {
		t.Fatalf("two builds of the dev image differ:\n%s\n%s", sumsA, sumsB)
	}
	// SHA256SUMS is right about the files
	cmd := exec.Command("sha256sum", "--check", "--quiet", "SHA256SUMS")
	cmd.Dir = second.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum --check: %v\n%s", err, out)
	}

	disk := filepath.Join(first.Dir, im.Disk)
	if out, err := exec.Command("sgdisk", "-v", disk).CombinedOutput(); err != nil || !strings.Contains(string(out), "No problems found") {
		t.Fatalf("sgdisk -v: %v\n%s", err, out)
	}

	// The boot entry as systemd-boot reads it, off the ESP.
	esp, _ := im.Partition("ESP")
	a1, _ := im.Slot("a")
	entry, err := exec.Command("mtype", "-i", fmt.Sprintf("%s@@%d", disk, esp.Offset), "::/loader/entries/"+a1.Entry).CombinedOutput()
	if err != nil {
		t.Fatalf("mtype: %v\n%s", err, entry)
	}
	m := regexp.MustCompile(`kitbash\.roothash=([0-9a-f]{64})`).FindSubmatch(entry)
	if m == nil {
		t.Fatalf("no root hash in the boot entry:\n%s", entry)
	}
	rootHash := string(m[1])
	if rootHash != first.RootHash {
		t.Fatalf("entry root hash %s, build reported %s", rootHash, first.RootHash)
	}
	work := t.TempDir()
	rootA, hashA := filepath.Join(work, "root-a"), filepath.Join(work, "hash-a")
	extractPartition(t, disk, im, "ROOT-A", rootA)
	extractPartition(t, disk, im, "HASH-A", hashA)
	if out, err := exec.Command("veritysetup", "verify", rootA, hashA, rootHash).CombinedOutput(); err != nil {
		t.Fatalf("veritysetup verify with the entry's root hash: %v\n%s", err, out)
	}
	// and it would notice a change
	bad := []byte(rootHash)
	bad[0] ^= 1
	if bad[0] == '0'^1 {
		bad[0] = '1'
	}
	if err := exec.Command("veritysetup", "verify", rootA, hashA, string(bad)).Run(); err == nil {
		t.Fatal("veritysetup verify accepted a wrong root hash")
	}

	// testsys: the four suites under QEMU + OVMF, with JUnit.
	junit := filepath.Join(work, "junit.xml")
	r := a.kb(t, "test", "dev", "--junit", junit)
	t.Logf("kitbash test dev:\n%s%s", r.stdout, tail(r.stderr, 40))
	if r.code != 0 {
		t.Fatalf("kitbash test dev failed (exit %d)", r.code)
	}
	x, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	for _, suite := range []string{"boot", "bootstrap", "settings", "verity-tamper"} {
		if !strings.Contains(string(x), suite) {
			t.Errorf("JUnit has no %s case:\n%s", suite, x)
		}
	}
	if strings.Contains(string(x), "<failure") {
		t.Errorf("JUnit records a failure:\n%s", x)
	}
}

// extractPartition copies partition name of the disk to out.
func extractPartition(t *testing.T, disk string, im *imageinfo.Image, name, out string) {
	t.Helper()
	p, ok := im.Partition(name)
	if !ok {
		t.Fatalf("no partition %s", name)
	}
	f, err := os.Open(disk)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := io.Copy(w, io.NewSectionReader(f, p.Offset, p.Size)); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
