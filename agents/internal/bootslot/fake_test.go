package bootslot

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The image's partitions (builder/image's layout).
const (
	uuidESP   = "0e5f0e5f-0000-4000-8000-000000000001"
	uuidRootA = "11111111-2222-3333-4444-555555555555"
	uuidHashA = "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90"
	uuidRootB = "66666666-7777-8888-9999-aaaaaaaaaaaa"
	uuidHashB = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"
)

func imagePartitions() []Partition {
	return []Partition{
		{1, TypeESP, uuidESP, "ESP", "/dev/vda1"},
		{2, "0fc63daf-8483-4772-8e79-3d69d8477de4", uuidRootA, "ROOT-A", "/dev/vda2"},
		{3, "0fc63daf-8483-4772-8e79-3d69d8477de4", uuidHashA, "HASH-A", "/dev/vda3"},
		{4, "0fc63daf-8483-4772-8e79-3d69d8477de4", uuidRootB, "ROOT-B", "/dev/vda4"},
		{5, "0fc63daf-8483-4772-8e79-3d69d8477de4", uuidHashB, "HASH-B", "/dev/vda5"},
	}
}

// entryBody is builder/image/boot.Entry's output for slot s.
func entryBody(s, version string) []byte {
	root, hash := uuidRootA, uuidHashA
	if s == "b" {
		root, hash = uuidRootB, uuidHashB
	}
	return []byte(fmt.Sprintf("title kitbash %s (slot %s)\nsort-key kitbash\nversion %s\nlinux /%s/vmlinuz\ninitrd /%s/initrd\n"+
		"options console=ttyS0 kitbash.root=PARTUUID=%s kitbash.hash=PARTUUID=%s kitbash.roothash=%s kitbash.salt=- kitbash.datablocks=25600\n",
		version, s, version, s, s, root, hash, strings.Repeat("ab", 32)))
}

// machine is a fake Kitbash machine: a temporary directory holding the ESP, the
// efivarfs directory and /proc/cmdline, and a fixed GPT.
type machine struct {
	t    *testing.T
	root string
	gpt  []Partition
}

func newMachine(t *testing.T) *machine {
	t.Helper()
	m := &machine{t: t, root: t.TempDir(), gpt: imagePartitions()}
	for _, d := range []string{"esp/loader/entries", "esp/a", "esp/b", "efivars"} {
		if err := os.MkdirAll(filepath.Join(m.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m.write("esp/loader/loader.conf", "timeout 0\nconsole-mode keep\neditor no\ndefault kitbash-*\n")
	return m
}

// fresh is a fresh image: slot A with its kernel and known-good entry.
func (m *machine) fresh() *machine {
	m.write("esp/a/vmlinuz", "kernel a")
	m.write("esp/a/initrd", "initrd a")
	m.write("esp/loader/entries/kitbash-a.conf", string(entryBody("a", "0.1.0")))
	return m
}

func (m *machine) write(p, s string) {
	m.t.Helper()
	if err := os.WriteFile(filepath.Join(m.root, p), []byte(s), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

func (m *machine) host() Paths {
	return Paths{
		ESP:         filepath.Join(m.root, "esp"),
		EFIVars:     filepath.Join(m.root, "efivars"),
		CmdlineFile: filepath.Join(m.root, "cmdline"),
		GPT:         func() ([]Partition, error) { return m.gpt, nil },
	}
}

// entries lists loader/entries.
func (m *machine) entries() []string {
	m.t.Helper()
	ents, err := os.ReadDir(filepath.Join(m.root, "esp", EntriesDir))
	if err != nil {
		m.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// boot does what systemd-boot does: pick the next entry in its order, count the try
// by renaming the file one step down, set LoaderEntrySelected to the name before the
// rename, and start the kernel with the entry's options. It returns the slot booted.
func (m *machine) boot() string {
	m.t.Helper()
	st, err := Load(m.host())
	if err != nil {
		m.t.Fatal(err)
	}
	e, ok := st.Next()
	if !ok {
		m.t.Fatal("no entry to boot")
	}
	dir := filepath.Join(m.root, "esp", EntriesDir)
	if e.Counted && e.Left > 0 {
		base, _ := Bless(e.File)
		next := strings.TrimSuffix(base, ".conf") + fmt.Sprintf("+%d-%d.conf", e.Left-1, e.Done+1)
		if err := os.Rename(filepath.Join(dir, e.File), filepath.Join(dir, next)); err != nil {
			m.t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(m.root, "efivars", "LoaderEntrySelected-"+LoaderGUID), EncodeEFIString(e.File), 0o644); err != nil {
		m.t.Fatal(err)
	}
	m.write("cmdline", e.Options+"\n")
	return e.Slot
}

func (m *machine) status() Status {
	m.t.Helper()
	st, err := Load(m.host())
	if err != nil {
		m.t.Fatal(err)
	}
	return st.Status()
}
