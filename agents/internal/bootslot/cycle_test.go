package bootslot

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// update is what the updater does for slot s: write its kernel and initramfs, clear
// the slot's old entry and write the new one with one try.
func update(t *testing.T, m *machine, version string) string {
	t.Helper()
	return updateHooked(t, m, version, nil)
}

// updateHooked is update with SetNext's afterStep hook.
func updateHooked(t *testing.T, m *machine, version string, afterStep func(string)) string {
	t.Helper()
	st, err := Load(m.host())
	if err != nil {
		t.Fatal(err)
	}
	s := Other(st.Booted)
	if _, err := ClearInactive(m.host()); err != nil {
		t.Fatalf("clear-inactive: %v", err)
	}
	m.write("esp/"+s+"/vmlinuz", "kernel "+version)
	m.write("esp/"+s+"/initrd", "initrd "+version)
	name, err := SetNext(m.host(), NextSpec{Body: entryBody(s, version), Version: version, Tries: 1, afterStep: afterStep})
	if err != nil {
		t.Fatalf("set-next: %v", err)
	}
	return name
}

func wantEntries(t *testing.T, m *machine, want ...string) {
	t.Helper()
	if got := m.entries(); !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
}

func markGood(t *testing.T, m *machine) string {
	t.Helper()
	msg, err := MarkGood(m.host())
	if err != nil {
		t.Fatalf("mark-good: %v", err)
	}
	return msg
}

// TestCycle runs builder/image/boot's state machine: fresh image, an update that
// succeeds, one that fails, and the next update to the other slot.
func TestCycle(t *testing.T) {
	m := newMachine(t).fresh()

	// 1. Fresh image: A, known good, boots and is ready.
	if s := m.boot(); s != "a" {
		t.Fatalf("fresh image booted %s", s)
	}
	if msg := markGood(t, m); msg != "kitbash-a.conf is already good" {
		t.Errorf("mark-good on a fresh image: %q", msg)
	}
	if ok, err := HasBootEverSucceeded(m.host()); !ok || err != nil {
		t.Errorf("HasBootEverSucceeded = %v, %v", ok, err)
	}

	// 2. Update to B.
	if name := update(t, m, "0.2.0"); name != "kitbash-b+1.conf" {
		t.Errorf("set-next wrote %s", name)
	}
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b+1.conf")
	st := m.status()
	if st.Booted != "a" || st.Next != "b" || st.Slots[1].State != "trial" || *st.Slots[1].TriesLeft != 1 {
		t.Errorf("after set-next: %+v", st)
	}

	// 3. systemd-boot picks B and counts the try.
	if s := m.boot(); s != "b" {
		t.Fatalf("booted %s after the update, want b", s)
	}
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b+0-1.conf")
	st = m.status()
	if st.Booted != "b" || st.BootedFrom != FromGPT || st.Selected != "kitbash-b+1.conf" || st.Next != "a" {
		t.Errorf("B on trial: %+v", st)
	}
	if _, err := ClearInactive(m.host()); err == nil {
		t.Error("clear-inactive while B is on trial: no error")
	}

	// 4. B is ready: bless it.
	if msg := markGood(t, m); msg != "blessed kitbash-b+0-1.conf -> kitbash-b.conf" {
		t.Errorf("mark-good: %q", msg)
	}
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b.conf")
	st = m.status()
	if st.Booted != "b" || st.Next != "b" || st.Slots[1].State != "good" || !st.Slots[1].Next || st.Slots[1].Version != "0.2.0" {
		t.Errorf("B blessed: %+v", st)
	}
	if msg := markGood(t, m); msg != "kitbash-b.conf is already good" {
		t.Errorf("second mark-good: %q", msg)
	}
	if s := m.boot(); s != "b" {
		t.Errorf("booted %s after blessing B", s)
	}

	// 6. The next update goes to A; 5. it fails: the try runs out, A's entry
	// sorts last and B boots again, for good.
	if name := update(t, m, "0.10.0"); name != "kitbash-a+1.conf" {
		t.Errorf("set-next wrote %s", name)
	}
	wantEntries(t, m, "kitbash-a+1.conf", "kitbash-b.conf")
	if s := m.boot(); s != "a" {
		t.Fatalf("booted %s after the update, want a", s)
	}
	// no mark-good: the boot failed
	wantEntries(t, m, "kitbash-a+0-1.conf", "kitbash-b.conf")
	if st := m.status(); st.Next != "b" || st.Slots[0].State != "exhausted" {
		t.Errorf("A failed: %+v", st)
	}
	for range 2 {
		if s := m.boot(); s != "b" {
			t.Fatalf("booted %s after A failed, want b", s)
		}
		markGood(t, m)
		wantEntries(t, m, "kitbash-a+0-1.conf", "kitbash-b.conf")
	}
	st = m.status()
	if st.Booted != "b" || st.Next != "b" || st.Slots[0].State != "exhausted" || *st.Slots[0].TriesDone != 1 {
		t.Errorf("after the rollback: %+v", st)
	}

	// The update again, which removes the failed entry, and this time A is ready.
	update(t, m, "0.10.0")
	wantEntries(t, m, "kitbash-a+1.conf", "kitbash-b.conf")
	if s := m.boot(); s != "a" {
		t.Fatalf("booted %s, want a", s)
	}
	markGood(t, m)
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b.conf")
	if st := m.status(); st.Booted != "a" || st.Next != "a" {
		t.Errorf("A blessed: %+v", st)
	}
}

// TestRollbackToInactive: from a blessed B with a good A, roll back to A.
func TestRollbackToInactive(t *testing.T) {
	m := newMachine(t).fresh()
	m.boot()
	update(t, m, "0.2.0")
	m.boot()
	// B on trial: A is good, roll back to it.
	from, to, err := RollbackToInactive(m.host())
	if err != nil || from != "kitbash-b+0-1.conf" || to != "kitbash-b+0-1.conf" {
		t.Errorf("rollback from a trial entry: %q -> %q, %v", from, to, err)
	}
	markGood(t, m) // a blessed, exhausted B (last-resort rule) ...
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b.conf")
	from, to, err = RollbackToInactive(m.host())
	if err != nil || from != "kitbash-b.conf" || to != "kitbash-b+0-1.conf" {
		t.Fatalf("rollback: %q -> %q, %v", from, to, err)
	}
	if st := m.status(); st.Next != "a" || st.Slots[1].State != "exhausted" {
		t.Errorf("after rollback: %+v", st)
	}
	if s := m.boot(); s != "a" {
		t.Fatalf("booted %s after the rollback, want a", s)
	}
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b+0-1.conf")
	// From A, B is not good: nothing to roll back to.
	if _, _, err := RollbackToInactive(m.host()); err == nil {
		t.Error("rollback to an exhausted slot: no error")
	}
}

// TestSetNextChecks: set-next refuses entries systemd-boot would not boot or that
// point at the wrong slot (an older version is a downgrade, see downgrade_test.go).
func TestSetNextChecks(t *testing.T) {
	m := newMachine(t).fresh()
	m.boot()
	m.write("esp/b/vmlinuz", "k")
	m.write("esp/b/initrd", "i")
	for _, tc := range []struct {
		name string
		spec NextSpec
	}{
		{"version mismatch", NextSpec{Body: entryBody("b", "0.2.0"), Version: "0.3.0", Tries: 1}},
		{"no tries", NextSpec{Body: entryBody("b", "0.2.0"), Tries: 0}},
		{"booted slot's files", NextSpec{Body: entryBody("a", "0.2.0"), Tries: 1}},
		{"no sort-key", NextSpec{Body: []byte("version 0.2.0\nlinux /b/vmlinuz\ninitrd /b/initrd\noptions kitbash.root=PARTUUID=" + uuidRootB + "\n"), Tries: 1}},
		{"wrong root", NextSpec{Body: []byte("sort-key kitbash\nversion 0.2.0\nlinux /b/vmlinuz\ninitrd /b/initrd\noptions kitbash.root=PARTUUID=" + uuidHashB + "\n"), Tries: 1}},
		{"another sort-key", NextSpec{Body: withSortKey(entryBody("b", "0.2.0"), "other"), Tries: 1}},
		{"demoted sort-key", NextSpec{Body: withSortKey(entryBody("b", "0.0.9"), "kitbash~"), Tries: 1}},
	} {
		if name, err := SetNext(m.host(), tc.spec); err == nil {
			t.Errorf("%s: set-next wrote %s", tc.name, name)
		}
	}
	wantEntries(t, m, "kitbash-a.conf")
	if err := os.Remove(filepath.Join(m.root, "esp/b/initrd")); err != nil {
		t.Fatal(err)
	}
	if _, err := SetNext(m.host(), NextSpec{Body: entryBody("b", "0.2.0"), Tries: 1}); err == nil {
		t.Error("set-next without the initramfs on the ESP: no error")
	}
	// A stale temporary file and an old entry are replaced.
	m.write("esp/b/initrd", "i")
	m.write("esp/loader/entries/kitbash-b.new", "half")
	m.write("esp/loader/entries/kitbash-b+0-1.conf", string(entryBody("b", "0.1.5")))
	if name, err := SetNext(m.host(), NextSpec{Body: entryBody("b", "0.2.0"), Tries: 3}); err != nil || name != "kitbash-b+3.conf" {
		t.Fatalf("set-next: %q, %v", name, err)
	}
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b+3.conf")
	b, err := os.ReadFile(filepath.Join(m.root, "esp/loader/entries/kitbash-b+3.conf"))
	if err != nil || string(b) != string(entryBody("b", "0.2.0")) {
		t.Errorf("entry: %q, %v", b, err)
	}
}

func TestClearInactive(t *testing.T) {
	m := newMachine(t).fresh()
	m.boot()
	update(t, m, "0.2.0")
	removed, err := ClearInactive(m.host())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"kitbash-b+1.conf", "/b/vmlinuz", "/b/initrd"}; !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	wantEntries(t, m, "kitbash-a.conf")
	if _, err := os.Stat(filepath.Join(m.root, "esp/a/vmlinuz")); err != nil {
		t.Errorf("the booted slot's kernel: %v", err)
	}
	if removed, err := ClearInactive(m.host()); err != nil || len(removed) != 0 {
		t.Errorf("second clear-inactive: %q, %v", removed, err)
	}
}

// TestBootedSlot: how the booted slot is found without the GPT or the EFI variable,
// and what mark-good does when the sources disagree.
func TestBootedSlot(t *testing.T) {
	m := newMachine(t).fresh()
	m.boot()
	update(t, m, "0.2.0")
	m.boot()
	h := m.host()
	h.GPT = nil
	if st := m.statusOf(h); st.Booted != "b" || st.BootedFrom != FromEntryOptions {
		t.Errorf("without GPT: booted %q from %q", st.Booted, st.BootedFrom)
	}
	h.CmdlineFile = filepath.Join(m.root, "none")
	if st := m.statusOf(h); st.Booted != "b" || st.BootedFrom != FromEntrySelected || len(st.Warnings) == 0 {
		t.Errorf("without command line: %+v", st)
	}
	// LoaderEntrySelected says A, the root is B's: refuse to bless.
	m.write("efivars/LoaderEntrySelected-"+LoaderGUID, string(EncodeEFIString("kitbash-a.conf")))
	if msg, err := MarkGood(m.host()); err == nil {
		t.Errorf("mark-good with disagreeing sources: %q", msg)
	}
	// Without efivarfs, the booted slot's only entry is blessed.
	h = m.host()
	h.EFIVars = ""
	if msg, err := MarkGood(h); err != nil || msg != "blessed kitbash-b+0-1.conf -> kitbash-b.conf" {
		t.Errorf("mark-good without efivarfs: %q, %v", msg, err)
	}
}

func (m *machine) statusOf(h Host) Status {
	m.t.Helper()
	st, err := Load(h)
	if err != nil {
		m.t.Fatal(err)
	}
	return st.Status()
}
