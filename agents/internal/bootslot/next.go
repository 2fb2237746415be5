package bootslot

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// NextSpec is what SetNext writes.
type NextSpec struct {
	// Body is the entry file (builder/image/boot.Entry's bytes for the inactive slot).
	Body []byte
	// Version, when not empty, must be the body's version line.
	Version string
	// Tries is the number of boots the slot gets before systemd-boot falls back, 1 or
	// more.
	Tries int

	// afterStep, when set, is called after each durable step of SetNext with the
	// step's name; tests set it to simulate a power cut there.
	afterStep func(step string)
}

// stepHook returns spec's afterStep, or a no-op.
func (spec NextSpec) stepHook() func(string) {
	if spec.afterStep == nil {
		return func(string) {}
	}
	return spec.afterStep
}

// SetNext writes the inactive slot's entry with boot counting,
// "kitbash-<s>+<Tries>.conf", so that systemd-boot boots it next, once (or Tries
// times) before falling back to the booted slot, whatever the two versions.
//
// Before writing it checks that the booted slot is known good; that the body has a
// sort-key, the base one (the booted entry's without the demotion mark, see
// demoteMark), a version (spec.Version when given), a kernel and an initramfs under
// /<s>/ that exist on the ESP, and a kitbash.root that is not the running root (and is
// ROOT-<S> when the GPT was read); and that systemd-boot would then boot the new entry
// next, either as it is (a newer version) or once the booted entry is demoted (an
// older or the same version: a downgrade).
//
// The steps, each followed by an fsync of loader/entries:
//
//  1. write the body under kitbash-<s>.new (not a ".conf" name, so systemd-boot never
//     reads a half-written entry) and fsync it;
//  2. remove the slot's older entries;
//  3. rename kitbash-<s>.new to kitbash-<s>+<Tries>.conf;
//  4. for a downgrade only, demote the booted entry: rewrite it in place, through its
//     slot's temporary name, with the sort-key base+"~". This is the step that makes
//     the new entry boot next.
//
// A power cut before step 4 leaves the booted, known-good entry first (the new entry,
// when it is in place, sorts after it and waits with its tries); after step 4 the new
// entry boots with its tries and, when they run out, the demoted entry (still known
// good) boots again, because entries with no tries left sort last. Demoting last means
// the booted entry is demoted only once its replacement is on the ESP, and step 4 is
// the single rename that switches the next boot (step 3 is, when there is nothing to
// demote: an upgrade, or a booted entry demoted already). The rewrite in step 4 keeps
// the file's name, so the entry is at every moment known good, with the old or the
// new sort-key.
//
// Finally it reads loader/entries again and checks that systemd-boot boots the new
// entry; when it would not, or step 4 failed, it removes the new entry and restores
// the booted entry's sort-key. It returns the entry's file name.
func SetNext(h Host, spec NextSpec) (string, error) {
	st, err := Load(h)
	if err != nil {
		return "", err
	}
	s, err := requireGoodBoot(st, "set-next")
	if err != nil {
		return "", err
	}
	booted, _ := st.slotEntry(st.Booted)
	if spec.Tries < 1 {
		return "", fmt.Errorf("set-next: tries %d: want 1 or more (a new slot is on trial)", spec.Tries)
	}
	name := TrialName(s, spec.Tries, 0)
	e := ParseEntry(name, spec.Body)
	if err := checkNext(st, s, e, spec.Version); err != nil {
		return "", fmt.Errorf("set-next: slot %s: %w", s, err)
	}
	if err := checkSortKey(e, booted); err != nil {
		return "", fmt.Errorf("set-next: slot %s: %w", s, err)
	}
	demote, err := planNext(st, e, booted)
	if err != nil {
		return "", fmt.Errorf("set-next: %w", err)
	}

	afterStep := spec.stepHook()
	dir := filepath.Join(st.ESP, EntriesDir)
	tmp := filepath.Join(dir, tempName(s))
	if err := writeSync(tmp, spec.Body); err != nil {
		return "", fmt.Errorf("set-next: write the new entry: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("set-next: %w", err)
	}
	afterStep("write")
	var old []string
	for _, o := range st.slotEntries(s) {
		old = append(old, o.File)
	}
	if _, err := removeEntries(st.ESP, old); err != nil {
		return "", fmt.Errorf("set-next: remove the slot's old entry: %w", err)
	}
	afterStep("remove-old")
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return "", fmt.Errorf("set-next: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("set-next: %w", err)
	}
	afterStep("rename")

	var orig []byte // the booted entry's body before its demotion
	if demote {
		if orig, err = demoteEntry(dir, booted, afterStep); err != nil {
			return "", fmt.Errorf("set-next: demote the booted entry %s: %w", booted.File, undoNext(st.ESP, name, booted, orig, err, afterStep))
		}
	}
	es, err := readEntries(st.ESP)
	if err == nil {
		if n, ok := NextEntry(es, st.Default); !ok || n.File != name {
			err = fmt.Errorf("systemd-boot would boot %q, not %s", n.File, name)
		}
	}
	if err != nil {
		return "", fmt.Errorf("set-next: check %s: %w", name, undoNext(st.ESP, name, booted, orig, err, afterStep))
	}
	return name, nil
}

// planNext reports whether the booted entry must be demoted for systemd-boot to boot
// the new entry e next, and fails when not even that would make it boot e.
func planNext(st *State, e, booted Entry) (demote bool, err error) {
	// The entries after the change: e instead of its slot's entries (never empty, so
	// NextEntry always finds one).
	after := []Entry{e}
	for _, o := range st.Entries {
		if o.Slot != e.Slot {
			after = append(after, o)
		}
	}
	n, _ := nextOf(after, st.Default)
	if n.File == e.File {
		return false, nil
	}
	if n.File != booted.File || booted.SortKey == "" || booted.demoted() {
		return false, fmt.Errorf("systemd-boot would boot %s (version %s), not %s (version %s)", n.File, n.Version, e.File, e.Version)
	}
	for i := range after {
		if after[i].File == booted.File {
			after[i].SortKey += demoteMark
		}
	}
	if n, _ = nextOf(after, st.Default); n.File != e.File {
		return false, fmt.Errorf("systemd-boot would boot %s (version %s), not %s (version %s), even with the booted entry demoted", n.File, n.Version, e.File, e.Version)
	}
	return true, nil
}

// nextOf is NextEntry of es, which it sorts as systemd-boot does.
func nextOf(es []Entry, pattern string) (Entry, bool) {
	sortEntries(es)
	return NextEntry(es, pattern)
}

// undoNext takes back SetNext's new entry after cause: it removes the new entry (then
// the booted entry, demoted or not, boots next) and the booted slot's temporary file,
// then, when orig is the booted entry's body before its demotion, puts that body back.
// It returns cause joined with any error of the undo.
func undoNext(esp, name string, booted Entry, orig []byte, cause error, afterStep func(string)) error {
	errs := []error{cause}
	if _, err := removeEntries(esp, []string{name, tempName(booted.Slot)}); err != nil {
		errs = append(errs, fmt.Errorf("undo: remove %s: %w", name, err))
	}
	if orig != nil {
		if err := restoreEntry(filepath.Join(esp, EntriesDir), booted, orig, afterStep); err != nil {
			errs = append(errs, fmt.Errorf("undo: restore %s: %w", booted.File, err))
		}
	}
	return errors.Join(errs...)
}

// checkNext checks the new entry e of slot s (see SetNext).
func checkNext(st *State, s string, e Entry, version string) error {
	if e.SortKey == "" {
		return errors.New("the entry has no sort-key: systemd-boot would order it by file name, not version")
	}
	if e.Version == "" {
		return errors.New("the entry has no version line")
	}
	if version != "" && e.Version != version {
		return fmt.Errorf("the entry's version is %q, not %q", e.Version, version)
	}
	if strings.ContainsAny(e.Version, " \t") {
		return fmt.Errorf("version %q has white space", e.Version)
	}
	if e.Linux == "" || len(e.Initrd) == 0 {
		return errors.New("the entry needs a linux and an initrd line")
	}
	for _, f := range append([]string{e.Linux}, e.Initrd...) {
		if !strings.HasPrefix(path.Clean("/"+f), "/"+s+"/") {
			return fmt.Errorf("%s is not under /%s/ on the ESP", f, s)
		}
		if _, err := os.Stat(filepath.Join(st.ESP, filepath.FromSlash(path.Clean("/"+f)))); err != nil {
			return fmt.Errorf("the entry's file: %w", err)
		}
	}
	root := e.Root()
	if root == "" {
		return errors.New("the entry's options have no kitbash.root=PARTUUID=")
	}
	if root == st.Root {
		return fmt.Errorf("kitbash.root %s is the running root", root)
	}
	for _, p := range st.Partitions {
		if p.UUID == root && p.Name != "ROOT-"+strings.ToUpper(s) {
			return fmt.Errorf("kitbash.root %s is partition %q, not ROOT-%s", root, p.Name, strings.ToUpper(s))
		}
	}
	return nil
}
