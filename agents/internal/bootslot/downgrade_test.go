package bootslot

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// entryFile returns the body of loader/entries/name.
func (m *machine) entryFile(name string) string {
	m.t.Helper()
	b, err := os.ReadFile(filepath.Join(m.root, "esp", EntriesDir, name))
	if err != nil {
		m.t.Fatal(err)
	}
	return string(b)
}

// upgradedToB is a machine that updated from A 0.1.0 to B 0.2.0, booted B and blessed
// it.
func upgradedToB(t *testing.T) *machine {
	t.Helper()
	m := newMachine(t).fresh()
	m.boot()
	update(t, m, "0.2.0")
	if s := m.boot(); s != "b" {
		t.Fatalf("booted %s, want b", s)
	}
	markGood(t, m)
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b.conf")
	return m
}

// TestDowngradeBlessed: B 0.2.0 installs 0.1.5 into A, which boots next and is
// blessed; the next update, 0.3.0 into B, boots next in its turn.
func TestDowngradeBlessed(t *testing.T) {
	m := upgradedToB(t)
	if name := update(t, m, "0.1.5"); name != "kitbash-a+1.conf" {
		t.Errorf("set-next wrote %s", name)
	}
	wantEntries(t, m, "kitbash-a+1.conf", "kitbash-b.conf")
	if got, want := m.entryFile("kitbash-b.conf"), strings.Replace(string(entryBody("b", "0.2.0")), "sort-key kitbash\n", "sort-key kitbash~\n", 1); got != want {
		t.Errorf("demoted entry:\n%s\nwant\n%s", got, want)
	}
	if got := m.entryFile("kitbash-a+1.conf"); got != string(entryBody("a", "0.1.5")) {
		t.Errorf("new entry:\n%s", got)
	}
	st := m.status()
	if st.Booted != "b" || st.Next != "a" || st.Slots[0].State != "trial" || st.Slots[0].Version != "0.1.5" || st.Slots[0].Demoted ||
		st.Slots[1].State != "good" || st.Slots[1].Version != "0.2.0" || !st.Slots[1].Demoted {
		t.Errorf("after the downgrade's set-next: %+v", st)
	}
	if s := m.boot(); s != "a" {
		t.Fatalf("booted %s after the downgrade, want a", s)
	}
	if msg := markGood(t, m); msg != "blessed kitbash-a+0-1.conf -> kitbash-a.conf" {
		t.Errorf("mark-good: %q", msg)
	}
	for range 2 {
		if s := m.boot(); s != "a" {
			t.Fatalf("booted %s after blessing the downgrade, want a", s)
		}
	}

	// The upgrade into B: its new entry has the base sort-key and the higher version.
	if name := update(t, m, "0.3.0"); name != "kitbash-b+1.conf" {
		t.Errorf("set-next wrote %s", name)
	}
	if got := m.entryFile("kitbash-a.conf"); got != string(entryBody("a", "0.1.5")) {
		t.Errorf("an upgrade changed the booted entry:\n%s", got)
	}
	if st := m.status(); st.Next != "b" || st.Slots[0].Demoted || st.Slots[1].Demoted {
		t.Errorf("after the upgrade's set-next: %+v", st)
	}
	if s := m.boot(); s != "b" {
		t.Fatalf("booted %s after the upgrade, want b", s)
	}
	markGood(t, m)
	if s := m.boot(); s != "b" {
		t.Errorf("booted %s after blessing the upgrade, want b", s)
	}
}

// TestDowngradeNeverBlessed: A 0.1.0 installs 0.0.9 into B, which boots once and is
// never blessed: the demoted A boots from then on. The downgrade again boots next.
func TestDowngradeNeverBlessed(t *testing.T) {
	m := newMachine(t).fresh()
	m.boot()
	update(t, m, "0.0.9")
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b+1.conf")
	if s := m.boot(); s != "b" {
		t.Fatalf("booted %s after the downgrade, want b", s)
	}
	// no mark-good: the boot failed
	for range 2 {
		if s := m.boot(); s != "a" {
			t.Fatalf("booted %s after the downgrade failed, want a", s)
		}
	}
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b+0-1.conf")
	st := m.status()
	if st.Booted != "a" || st.Next != "a" || st.Slots[0].State != "good" || !st.Slots[0].Demoted || st.Slots[0].Version != "0.1.0" ||
		st.Slots[1].State != "exhausted" || st.Slots[1].Version != "0.0.9" {
		t.Errorf("after the failed downgrade: %+v", st)
	}
	if msg := markGood(t, m); msg != "kitbash-a.conf is already good" {
		t.Errorf("mark-good: %q", msg)
	}

	// The same downgrade again: A is demoted already, B's base sort-key puts it first.
	before := m.entryFile("kitbash-a.conf")
	update(t, m, "0.0.9")
	if got := m.entryFile("kitbash-a.conf"); got != before {
		t.Errorf("second downgrade rewrote A:\n%s", got)
	}
	if s := m.boot(); s != "b" {
		t.Fatalf("booted %s after the second downgrade, want b", s)
	}
	m.boot()

	// And an upgrade from the demoted A.
	update(t, m, "0.2.0")
	if s := m.boot(); s != "b" {
		t.Fatalf("booted %s after the upgrade, want b", s)
	}
	markGood(t, m)
	if st := m.status(); st.Next != "b" || st.Slots[1].Version != "0.2.0" || st.Slots[1].Demoted {
		t.Errorf("after the upgrade: %+v", st)
	}
}

// TestRollbackToDemoted: from a blessed downgrade, roll back to the demoted, good slot.
func TestRollbackToDemoted(t *testing.T) {
	m := upgradedToB(t)
	update(t, m, "0.1.5")
	m.boot()
	markGood(t, m)
	from, to, err := RollbackToInactive(m.host())
	if err != nil || from != "kitbash-a.conf" || to != "kitbash-a+0-1.conf" {
		t.Fatalf("rollback: %q -> %q, %v", from, to, err)
	}
	if s := m.boot(); s != "b" {
		t.Fatalf("booted %s after the rollback, want b", s)
	}
	if st := m.status(); st.Next != "b" || !st.Slots[1].Demoted || st.Slots[0].State != "exhausted" {
		t.Errorf("after the rollback: %+v", st)
	}
}

// TestDowngradeRefused: the booted slot must be known good, and nothing else may come
// before the new entry.
func TestDowngradeRefused(t *testing.T) {
	m := newMachine(t).fresh()
	m.boot()
	update(t, m, "0.2.0")
	m.boot() // B on trial
	m.write("esp/a/vmlinuz", "k")
	m.write("esp/a/initrd", "i")
	if name, err := SetNext(m.host(), NextSpec{Body: entryBody("a", "0.1.5"), Tries: 1}); err == nil {
		t.Errorf("downgrade from a slot on trial: wrote %s", name)
	}
	wantEntries(t, m, "kitbash-a.conf", "kitbash-b+0-1.conf")

	// Another entry matching "kitbash-*" with a lower sort-key comes first, demoted or not.
	m = newMachine(t).fresh()
	m.boot()
	m.write("esp/loader/entries/kitbash-x.conf", "sort-key aaa\nversion 1\nlinux /x\n")
	m.write("esp/b/vmlinuz", "k")
	m.write("esp/b/initrd", "i")
	for _, v := range []string{"0.0.9", "0.2.0"} {
		if name, err := SetNext(m.host(), NextSpec{Body: entryBody("b", v), Tries: 1}); err == nil {
			t.Errorf("%s under another entry: wrote %s", v, name)
		}
	}
	wantEntries(t, m, "kitbash-a.conf", "kitbash-x.conf")
	if got := m.entryFile("kitbash-a.conf"); got != string(entryBody("a", "0.1.0")) {
		t.Errorf("a refused set-next changed the booted entry:\n%s", got)
	}
}

// crash is the panic value of a simulated power cut.
type crash string

// setNextCrashing runs SetNext with a power cut after step; it reports whether the cut
// happened.
func setNextCrashing(m *machine, spec NextSpec, step string) (crashed bool) {
	m.t.Helper()
	spec.afterStep = func(s string) {
		if s == step {
			panic(crash(s))
		}
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(crash); !ok {
				panic(r)
			}
			crashed = true
		}
	}()
	if _, err := SetNext(m.host(), spec); err != nil {
		m.t.Fatalf("set-next (cut after %s): %v", step, err)
	}
	return false
}

// TestDowngradeCrash cuts the power after each step of a downgrade's set-next: the next
// boot is the booted, good entry, or the new entry with its try, after which the good
// one boots; and the update, run again, succeeds.
func TestDowngradeCrash(t *testing.T) {
	var steps []string
	m := newMachine(t).fresh()
	m.boot()
	updateHooked(t, m, "0.0.9", func(s string) { steps = append(steps, s) })
	if want := []string{"write", "remove-old", "rename", "demote-temp", "demote"}; !slices.Equal(steps, want) {
		t.Fatalf("steps %q, want %q", steps, want)
	}

	for _, step := range steps {
		m := newMachine(t).fresh()
		m.boot()
		m.write("esp/b/vmlinuz", "k")
		m.write("esp/b/initrd", "i")
		// A failed update's entry, with a higher version, is still there.
		m.write("esp/loader/entries/kitbash-b+0-1.conf", string(entryBody("b", "0.3.0")))
		if !setNextCrashing(m, NextSpec{Body: entryBody("b", "0.0.9"), Tries: 1}, step) {
			t.Fatalf("%s: no power cut", step)
		}
		s := m.boot()
		st := m.status()
		switch {
		case s == "a" && st.Selected == "kitbash-a.conf":
		case s == "b" && st.Selected == "kitbash-b+1.conf" && step == "demote":
			if s := m.boot(); s != "a" {
				t.Errorf("%s: booted %s after the new entry's try, want a", step, s)
			}
		default:
			t.Errorf("%s: booted %s (%s) after the power cut", step, s, st.Selected)
		}
		if st := m.status(); st.Booted != "a" || st.Slots[0].State != "good" {
			t.Errorf("%s: not back on a good A: %+v", step, st)
		}
		update(t, m, "0.0.9")
		if s := m.boot(); s != "b" {
			t.Errorf("%s: booted %s after the update ran again, want b", step, s)
		}
		markGood(t, m)
		wantEntries(t, m, "kitbash-a.conf", "kitbash-b.conf")
		if st := m.status(); st.Next != "b" || !st.Slots[0].Demoted || st.Slots[1].Version != "0.0.9" {
			t.Errorf("%s: after the downgrade was blessed: %+v", step, st)
		}
	}
}

// TestSetNextUndo: when the demotion fails, or systemd-boot would not boot the new entry
// after it, set-next removes the new entry and puts the booted one back.
func TestSetNextUndo(t *testing.T) {
	for _, tc := range []struct {
		step string
		do   func(m *machine)
	}{
		// The temporary file vanishes: the rename fails.
		{"demote-temp", func(m *machine) {
			if err := os.Remove(filepath.Join(m.root, "esp", EntriesDir, "kitbash-a.new")); err != nil {
				m.t.Fatal(err)
			}
		}},
		// Another entry appears and comes first.
		{"demote", func(m *machine) {
			m.write("esp/loader/entries/kitbash-x.conf", "sort-key aaa\nversion 1\nlinux /x\n")
		}},
	} {
		m := newMachine(t).fresh()
		m.boot()
		m.write("esp/b/vmlinuz", "k")
		m.write("esp/b/initrd", "i")
		hook := func(s string) {
			if s == tc.step {
				tc.do(m)
			}
		}
		name, err := SetNext(m.host(), NextSpec{Body: entryBody("b", "0.0.9"), Tries: 1, afterStep: hook})
		if err == nil {
			t.Errorf("%s: set-next wrote %s", tc.step, name)
		}
		if tc.step == "demote-temp" && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: error %v, want the rename's", tc.step, err)
		}
		if got := m.entryFile("kitbash-a.conf"); got != string(entryBody("a", "0.1.0")) {
			t.Errorf("%s: the booted entry after the undo:\n%s", tc.step, got)
		}
		for _, f := range m.entries() {
			if strings.HasPrefix(f, "kitbash-b") || f == "kitbash-a.new" {
				t.Errorf("%s: %s left after the undo (%v)", tc.step, f, err)
			}
		}
	}
}
