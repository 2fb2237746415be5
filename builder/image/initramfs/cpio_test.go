package initramfs

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// smallEntries exercise every member type, odd name and data lengths, a missing parent,
// a merged repeated directory and a leading "/" or none.
func smallEntries() []Entry {
	return []Entry{
		{Path: "/init", Mode: 0o755, Data: []byte("#!init")},
		{Path: "etc/hostname", Mode: 0o644, Data: []byte("kitbash\n")},
		{Path: "/etc", Mode: fs.ModeDir | 0o755},
		{Path: "etc/", Mode: fs.ModeDir | 0o755},
		{Path: "/bin", Mode: fs.ModeSymlink, Link: "usr/bin"},
		{Path: "/usr/bin/tool", Mode: fs.ModeSetuid | 0o755, Data: []byte{0, 1, 2}},
		{Path: "/dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Rdev: Device{5, 1}},
		{Path: "/dev/vda", Mode: fs.ModeDevice | 0o660, Rdev: Device{254, 0}},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "/kitbash-initramfs", Mode: 0o644},
		{Path: "/usr-x", Mode: fs.ModeDir | 0o700},
	}
}

func writeCPIO(t *testing.T, es []Entry) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCPIO(&b, es); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCPIOGolden(t *testing.T) {
	b := writeCPIO(t, smallEntries())
	got := fmt.Sprintf("sha256:%x size:%d\n", sha256.Sum256(b), len(b))
	golden := filepath.Join("testdata", "small.cpio.sha256")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to make it)", err)
	}
	if got != string(want) {
		t.Errorf("archive is %s want %s", strings.TrimSpace(got), strings.TrimSpace(string(want)))
	}
}

func TestCPIOMembers(t *testing.T) {
	ms := readNewc(t, writeCPIO(t, smallEntries()))
	type row struct {
		name  string
		mode  uint32
		nlink uint32
		rdev  [2]uint32
		data  string
	}
	want := []row{
		{"bin", 0o120777, 1, [2]uint32{}, "usr/bin"},
		{"dev", 0o040755, 2, [2]uint32{}, ""},
		{"dev/console", 0o020600, 1, [2]uint32{5, 1}, ""},
		{"dev/vda", 0o060660, 1, [2]uint32{254, 0}, ""},
		{"etc", 0o040755, 2, [2]uint32{}, ""},
		{"etc/hostname", 0o100644, 1, [2]uint32{}, "kitbash\n"},
		{"init", 0o100755, 1, [2]uint32{}, "#!init"},
		{"kitbash-initramfs", 0o100644, 1, [2]uint32{}, ""},
		{"tmp", 0o041777, 2, [2]uint32{}, ""},
		{"usr", 0o040755, 3, [2]uint32{}, ""}, // added parent, one subdirectory
		{"usr/bin", 0o040755, 2, [2]uint32{}, ""},
		{"usr/bin/tool", 0o104755, 1, [2]uint32{}, "\x00\x01\x02"},
		{"usr-x", 0o040700, 2, [2]uint32{}, ""},
	}
	if len(ms) != len(want) {
		var names []string
		for _, m := range ms {
			names = append(names, m.name)
		}
		t.Fatalf("members %q, want %d", names, len(want))
	}
	for i, m := range ms {
		w := want[i]
		got := row{m.name, m.mode, m.nlink, [2]uint32{m.rdevMaj, m.rdevMin}, string(m.data)}
		if got != w {
			t.Errorf("member %d: %+v, want %+v", i, got, w)
		}
		if m.ino != uint32(i+1) || m.uid != 0 || m.gid != 0 || m.mtime != 0 || m.devMajor != 0 || m.devMinor != 0 {
			t.Errorf("%s: ino %d uid %d gid %d mtime %d dev %d:%d", m.name, m.ino, m.uid, m.gid, m.mtime, m.devMajor, m.devMinor)
		}
	}
}

func TestCPIOEmpty(t *testing.T) {
	b := writeCPIO(t, nil)
	if ms := readNewc(t, b); len(ms) != 0 {
		t.Fatalf("members %v", ms)
	}
	if len(b) != 124 { // 110 + 11 name + 3 padding
		t.Fatalf("trailer-only archive is %d bytes", len(b))
	}
}

func TestCPIOErrors(t *testing.T) {
	for name, es := range map[string][]Entry{
		"duplicate file":         {{Path: "a", Mode: 0o644}, {Path: "/a", Mode: 0o644}},
		"dir twice, modes":       {{Path: "a", Mode: fs.ModeDir | 0o755}, {Path: "a", Mode: fs.ModeDir | 0o700}},
		"parent not a dir":       {{Path: "a", Mode: 0o644}, {Path: "a/b", Mode: 0o644}},
		"dotdot":                 {{Path: "a/../b", Mode: 0o644}},
		"root":                   {{Path: "/", Mode: fs.ModeDir | 0o755}},
		"empty":                  {{Path: "", Mode: 0o644}},
		"symlink without target": {{Path: "l", Mode: fs.ModeSymlink}},
		"file with target":       {{Path: "f", Mode: 0o644, Link: "x"}},
		"dir with data":          {{Path: "d", Mode: fs.ModeDir | 0o755, Data: []byte("x")}},
		"fifo":                   {{Path: "p", Mode: fs.ModeNamedPipe | 0o644}},
		"rdev on file":           {{Path: "f", Mode: 0o644, Rdev: Device{1, 3}}},
		"long name":              {{Path: strings.Repeat("n", 4096), Mode: 0o644}},
	} {
		if err := WriteCPIO(&bytes.Buffer{}, es); err == nil || !strings.HasPrefix(err.Error(), "initramfs: cpio: ") {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

func TestComparePaths(t *testing.T) {
	order := []string{"a", "a/b", "a/b/c", "a/bc", "a-b", "a.b", "ab", "b"}
	for i := range order {
		for j := range order {
			c := comparePaths(order[i], order[j])
			if (i < j) != (c < 0) || (i == j) != (c == 0) {
				t.Errorf("comparePaths(%q, %q) = %d", order[i], order[j], c)
			}
		}
	}
}
