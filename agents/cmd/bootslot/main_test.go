package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
)

const (
	rootA = "11111111-2222-3333-4444-555555555555"
	rootB = "66666666-7777-8888-9999-aaaaaaaaaaaa"
)

func body(s, version, root string) string {
	return fmt.Sprintf("title kitbash %s (slot %s)\nsort-key kitbash\nversion %s\nlinux /%s/vmlinuz\ninitrd /%s/initrd\n"+
		"options console=ttyS0 kitbash.root=PARTUUID=%s kitbash.hash=PARTUUID=a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90 kitbash.roothash=%s kitbash.salt=- kitbash.datablocks=1\n",
		version, s, version, s, s, root, strings.Repeat("00", 32))
}

// testMachine is a temporary directory with an ESP, efivarfs and a command line.
type testMachine struct {
	t      *testing.T
	dir    string
	opened []bool // the write argument of each open
}

func newTestMachine(t *testing.T) *testMachine {
	m := &testMachine{t: t, dir: t.TempDir()}
	for _, d := range []string{"esp/loader/entries", "esp/a", "esp/b", "efivars"} {
		if err := os.MkdirAll(filepath.Join(m.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m.write("esp/loader/loader.conf", "timeout 0\ndefault kitbash-*\n")
	m.write("esp/a/vmlinuz", "k")
	m.write("esp/a/initrd", "i")
	m.write("esp/loader/entries/kitbash-a.conf", body("a", "0.1.0", rootA))
	m.booted("kitbash-a.conf", rootA)
	return m
}

func (m *testMachine) write(p, s string) {
	m.t.Helper()
	if err := os.WriteFile(filepath.Join(m.dir, p), []byte(s), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// booted sets what systemd-boot leaves: LoaderEntrySelected and the command line.
func (m *testMachine) booted(selected, root string) {
	m.write("efivars/LoaderEntrySelected-"+bootslot.LoaderGUID, string(bootslot.EncodeEFIString(selected)))
	var opts string
	for _, l := range strings.Split(body("x", "0", root), "\n") {
		if o, ok := strings.CutPrefix(l, "options "); ok {
			opts = o
		}
	}
	m.write("cmdline", opts+"\n")
}

func (m *testMachine) open(write bool) (bootslot.Host, func() error, error) {
	m.opened = append(m.opened, write)
	return bootslot.Paths{
		ESP:         filepath.Join(m.dir, "esp"),
		EFIVars:     filepath.Join(m.dir, "efivars"),
		CmdlineFile: filepath.Join(m.dir, "cmdline"),
		GPT: func() ([]bootslot.Partition, error) {
			return []bootslot.Partition{
				{Number: 2, UUID: rootA, Name: "ROOT-A"},
				{Number: 4, UUID: rootB, Name: "ROOT-B"},
			}, nil
		},
	}, func() error { return nil }, nil
}

func (m *testMachine) run(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e, m.open)
	return code, o.String(), e.String()
}

func (m *testMachine) entries() []string {
	ents, err := os.ReadDir(filepath.Join(m.dir, "esp/loader/entries"))
	if err != nil {
		m.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func (m *testMachine) status() bootslot.Status {
	m.t.Helper()
	code, out, errOut := m.run("status")
	if code != 0 {
		m.t.Fatalf("status: exit %d: %s", code, errOut)
	}
	var st bootslot.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		m.t.Fatalf("status JSON: %v\n%s", err, out)
	}
	return st
}

func TestCommands(t *testing.T) {
	m := newTestMachine(t)
	if code, out, _ := m.run("has-boot-ever-succeeded"); code != 0 || out != "true\n" {
		t.Errorf("has-boot-ever-succeeded: %d %q", code, out)
	}
	if code, out, e := m.run("mark-good"); code != 0 || out != "kitbash-a.conf is already good\n" {
		t.Errorf("mark-good: %d %q %q", code, out, e)
	}
	if code, out, e := m.run("clear-inactive"); code != 0 || out != "" {
		t.Errorf("clear-inactive: %d %q %q", code, out, e)
	}

	// The updater writes slot B, then its entry.
	m.write("esp/b/vmlinuz", "k2")
	m.write("esp/b/initrd", "i2")
	entry := filepath.Join(m.dir, "entry")
	m.write("entry", body("b", "0.2.0", rootB))
	if code, out, e := m.run("set-next", "-entry-file", entry, "-version", "0.2.0", "-tries", "1"); code != 0 || out != "wrote kitbash-b+1.conf\n" {
		t.Fatalf("set-next: %d %q %q", code, out, e)
	}
	if got := m.entries(); !slices.Equal(got, []string{"kitbash-a.conf", "kitbash-b+1.conf"}) {
		t.Errorf("entries %q", got)
	}
	st := m.status()
	if st.Booted != "a" || st.Next != "b" || st.NextEntry != "kitbash-b+1.conf" || len(st.Slots) != 2 ||
		st.Slots[1].State != "trial" || st.Slots[1].Version != "0.2.0" || st.Slots[0].Partition != "ROOT-A" {
		t.Errorf("status after set-next: %+v", st)
	}

	// systemd-boot boots B, counting the try.
	if err := os.Rename(filepath.Join(m.dir, "esp/loader/entries/kitbash-b+1.conf"), filepath.Join(m.dir, "esp/loader/entries/kitbash-b+0-1.conf")); err != nil {
		t.Fatal(err)
	}
	m.booted("kitbash-b+1.conf", rootB)
	if code, _, _ := m.run("clear-inactive"); code != exitError {
		t.Errorf("clear-inactive while on trial: exit %d", code)
	}
	if code, out, e := m.run("mark-good"); code != 0 || out != "blessed kitbash-b+0-1.conf -> kitbash-b.conf\n" {
		t.Errorf("mark-good: %d %q %q", code, out, e)
	}
	if st := m.status(); st.Booted != "b" || st.Next != "b" || st.Slots[1].State != "good" || st.Slots[1].TriesLeft != nil {
		t.Errorf("status after mark-good: %+v", st)
	}

	// Roll back to A.
	if code, out, e := m.run("rollback-to-inactive"); code != 0 || out != "kitbash-b.conf -> kitbash-b+0-1.conf\n" {
		t.Errorf("rollback-to-inactive: %d %q %q", code, out, e)
	}
	if st := m.status(); st.Next != "a" || st.Slots[1].State != "exhausted" {
		t.Errorf("status after rollback: %+v", st)
	}

	// clear-inactive from A removes B's entry and files.
	m.booted("kitbash-a.conf", rootA)
	if code, out, e := m.run("clear-inactive"); code != 0 || out != "removed kitbash-b+0-1.conf\nremoved /b/vmlinuz\nremoved /b/initrd\n" {
		t.Errorf("clear-inactive: %d %q %q", code, out, e)
	}
	if got := m.entries(); !slices.Equal(got, []string{"kitbash-a.conf"}) {
		t.Errorf("entries %q", got)
	}
	if !slices.Equal(m.opened, []bool{false, true, true, true, false, true, true, false, true, false, true}) {
		t.Errorf("opened (write) %v", m.opened)
	}
}

// TestSetNextDowngrade: an older version boots next; the booted entry is demoted.
func TestSetNextDowngrade(t *testing.T) {
	m := newTestMachine(t)
	m.write("esp/b/vmlinuz", "k2")
	m.write("esp/b/initrd", "i2")
	m.write("entry", body("b", "0.0.9", rootB))
	if code, out, e := m.run("set-next", "-entry-file", filepath.Join(m.dir, "entry"), "-version", "0.0.9"); code != 0 || out != "wrote kitbash-b+1.conf\n" {
		t.Fatalf("set-next: %d %q %q", code, out, e)
	}
	st := m.status()
	if st.Next != "b" || !st.Slots[0].Demoted || st.Slots[0].State != "good" || st.Slots[0].Version != "0.1.0" ||
		st.Slots[1].Demoted || st.Slots[1].Version != "0.0.9" {
		t.Errorf("status after the downgrade: %+v", st)
	}
	if _, out, _ := m.run("status"); !strings.Contains(out, `"demoted": true`) {
		t.Errorf("status JSON without demoted:\n%s", out)
	}
}

func TestNeverSucceeded(t *testing.T) {
	m := newTestMachine(t)
	if err := os.Rename(filepath.Join(m.dir, "esp/loader/entries/kitbash-a.conf"), filepath.Join(m.dir, "esp/loader/entries/kitbash-a+0-3.conf")); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := m.run("has-boot-ever-succeeded"); code != exitFalse || out != "false\n" {
		t.Errorf("has-boot-ever-succeeded: %d %q", code, out)
	}
}

func TestUsage(t *testing.T) {
	m := newTestMachine(t)
	for _, args := range [][]string{nil, {"bogus"}, {"status", "extra"}, {"set-next"}, {"set-next", "-tries", "x", "-entry-file", "f"}} {
		if code, _, _ := m.run(args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if len(m.opened) != 0 {
		t.Errorf("usage errors opened the machine %d times", len(m.opened))
	}
	if code, _, e := m.run("set-next", "-entry-file", filepath.Join(m.dir, "missing")); code != exitError || !strings.Contains(e, "missing") {
		t.Errorf("set-next with a missing file: %d %q", code, e)
	}
}
