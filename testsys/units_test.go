package testsys

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCopySparse(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.img")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	// Data at 0, a hole, data at 64 MiB, explicit zeros, a hole at the end.
	f.WriteAt([]byte("GPT header"), 0)
	f.WriteAt(bytes.Repeat([]byte{0xaa}, 5000), 64<<20)
	f.WriteAt(make([]byte, 4<<20), 70<<20)
	f.Truncate(200 << 20)
	f.Close()
	dst := filepath.Join(dir, "dst.img")
	if err := CopyDisk(dst, src); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(src)
	b, _ := os.ReadFile(dst)
	if !bytes.Equal(a, b) {
		t.Fatal("copy differs")
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dst, &st); err != nil {
		t.Fatal(err)
	}
	if used := st.Blocks * 512; used > 8<<20 {
		t.Errorf("copy of a 200 MiB file with 2 small extents uses %d bytes", used)
	}
	if err := CopyDisk(filepath.Join(dir, "x"), filepath.Join(dir, "missing")); err == nil {
		t.Error("missing source: no error")
	}
}

func TestFindBlocksAndPreferMiddle(t *testing.T) {
	blk := func(c byte) []byte { return bytes.Repeat([]byte{c}, blockSize) }
	// Partition starts at 3 (unaligned on purpose), 6 blocks: A B A C A-shifted, tail.
	img := append([]byte("xyz"), slices.Concat(blk('A'), blk('B'), blk('A'), blk('C'), []byte("A"), blk('A')[1:], []byte("tail"))...)
	hits, err := findBlocks(bytes.NewReader(img), 3, int64(len(img)-3), map[int64][]byte{1: blk('A'), 2: blk('B'), 3: blk('D')})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hits[1], []int64{0, 2 * blockSize, 4 * blockSize}) || !slices.Equal(hits[2], []int64{blockSize}) || len(hits[3]) != 0 {
		t.Errorf("hits %v", hits)
	}
	if got := preferMiddle(3, 5, 5); !slices.Equal(got, []int64{5, 6, 4, 7, 3}) {
		t.Errorf("preferMiddle = %v", got)
	}
	if got := preferMiddle(0, 1, 0); !slices.Equal(got, []int64{0}) {
		t.Errorf("preferMiddle one block = %v", got)
	}
}

func TestFlipByte(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d")
	write(t, p, []byte{1, 2, 3})
	before, after, err := flipByte(p, 1)
	if err != nil || before != 2 || after != 0xfd {
		t.Fatalf("flipByte = %x, %x, %v", before, after, err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, []byte{1, 0xfd, 3}) {
		t.Errorf("file %x", b)
	}
}

func TestParseOSReleaseAndSameJSON(t *testing.T) {
	m := parseOSRelease("# comment\nNAME=\"Kitbash OS\"\nVARIANT_ID=dev\nVERSION_ID='0.1.0'\nbroken\n")
	if m["NAME"] != "Kitbash OS" || m["VARIANT_ID"] != "dev" || m["VERSION_ID"] != "0.1.0" || len(m) != 3 {
		t.Errorf("parsed %v", m)
	}
	if same, err := sameJSON(`{"a":1,"b":[1,2]}`, "{\n \"b\": [1,2], \"a\": 1}"); !same || err != nil {
		t.Errorf("same = %v, %v", same, err)
	}
	if same, _ := sameJSON(`{"a":1}`, `{"a":2}`); same {
		t.Error("different documents compare equal")
	}
	if _, err := sameJSON(`{`, `{}`); err == nil {
		t.Error("bad JSON: no error")
	}
}

func sampleReport() Report {
	return Report{
		Variant: "dev", Version: "0.1.0", Duration: 75 * time.Second,
		Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Cases: []Case{
			{Suite: "boot", Name: "ready", Duration: 9400 * time.Millisecond, Notes: []string{"ready 9.4s after QEMU start"}},
			{Suite: "settings", Name: "set", Duration: 2 * time.Second, Failure: "motd = \"x\"\nsecond line <&>",
				Console: []string{"[settingsd] boom", "bad \x01 byte"}},
		},
	}
}

func TestSummary(t *testing.T) {
	var b strings.Builder
	if err := sampleReport().WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	want := `PASS  boot/ready    9.4s
      ready 9.4s after QEMU start
FAIL  settings/set  2s
      motd = "x"
      second line <&>
dev 0.1.0: 1 passed, 1 failed, 2 total in 1m15s
`
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.Tests != 2 || doc.Failures != 1 || doc.Time != "75.000" || len(doc.Suites) != 2 {
		t.Fatalf("testsuites %+v", doc)
	}
	s := doc.Suites[1]
	c := s.Cases[0]
	if s.Name != "settings" || s.Failures != 1 || s.Timestamp != "2025-01-02T03:04:05" || c.Classname != "dev.settings" || c.Name != "set" || c.Time != "2.000" {
		t.Errorf("suite %+v", s)
	}
	if c.Failure == nil || c.Failure.Message != `motd = "x"` || !strings.Contains(c.Failure.Text, "second line <&>") {
		t.Errorf("failure %+v", c.Failure)
	}
	if !strings.Contains(c.SystemOut, "[settingsd] boom") {
		t.Errorf("system-out %q", c.SystemOut)
	}
	if doc.Suites[0].Cases[0].Failure != nil || !strings.Contains(doc.Suites[0].Cases[0].SystemOut, "ready 9.4s") {
		t.Errorf("passing case %+v", doc.Suites[0].Cases[0])
	}
	p := filepath.Join(t.TempDir(), "a", "b", "junit.xml")
	if err := sampleReport().writeJUnitFile(p); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, b.Bytes()) {
		t.Error("file differs from WriteJUnit's output")
	}
}

func TestOptionsDefaults(t *testing.T) {
	o, err := Options{ImageDir: "x"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Suites, SuiteNames()) || o.BootTimeout != DefaultBootTimeout || o.OVMFCode != DefaultOVMFCode ||
		o.Accel != "tcg" || o.TamperFile != "/usr/bin/updater" || o.MemoryMiB != DefaultMemoryMiB || o.Log == nil {
		t.Errorf("defaults %+v", o)
	}
}

func TestFailedPlugins(t *testing.T) {
	failed, n, err := failedPlugins(ctrPluginsOK)
	if err != nil || len(failed) != 0 || n != 4 {
		t.Errorf("all loaded: %q %d %v", failed, n, err)
	}
	// what the dev image's containerd listed before /var/run and the CNI directory existed
	bad := strings.Replace(ctrPluginsOK, "cri                      -              ok", "cri                      -              error", 1)
	failed, _, err = failedPlugins(bad)
	if err != nil || len(failed) != 1 || failed[0] != "io.containerd.grpc.v1/cri" {
		t.Errorf("cri in error: %q %v", failed, err)
	}
	if _, _, err := failedPlugins("ctr: connection refused\n"); err == nil {
		t.Error("no table: no error")
	}
}
