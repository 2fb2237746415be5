package bootslot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// MarkGood blesses the booted entry: it renames it to its name without boot counter
// (kitbash-b+0-1.conf -> kitbash-b.conf), one rename in loader/entries followed by an
// fsync of the directory. The booted entry is the one whose Bless name is the Bless
// name of LoaderEntrySelected, or, when that variable cannot be read, the booted
// slot's entry. It refuses when LoaderEntrySelected and the running root disagree.
// An entry already known good is left alone. It returns what it did, for the log.
func MarkGood(h Host) (string, error) {
	st, err := Load(h)
	if err != nil {
		return "", err
	}
	var target Entry
	switch sel, ok := SlotOf(st.Selected); {
	case st.Selected != "" && ok:
		if st.Booted != "" && sel != st.Booted {
			return "", fmt.Errorf("mark-good: LoaderEntrySelected %q is slot %s, but the running root is slot %s; not blessing", st.Selected, sel, st.Booted)
		}
		want, _ := Bless(st.Selected)
		i := slices.IndexFunc(st.Entries, func(e Entry) bool { b, _ := Bless(e.File); return b == want })
		if i < 0 {
			return "", fmt.Errorf("mark-good: the booted entry %q is no longer in %s", st.Selected, EntriesDir)
		}
		target = st.Entries[i]
	case st.Booted != "":
		es := st.slotEntries(st.Booted)
		if len(es) != 1 {
			return "", fmt.Errorf("mark-good: booted slot %s has %d entries, want 1, and LoaderEntrySelected is not known", st.Booted, len(es))
		}
		target = es[0]
	default:
		return "", fmt.Errorf("mark-good: the booted slot is not known (%s)", strings.Join(st.Warnings, "; "))
	}
	good, counted := Bless(target.File)
	if !counted {
		return fmt.Sprintf("%s is already good", target.File), nil
	}
	dir := filepath.Join(st.ESP, EntriesDir)
	if err := os.Rename(filepath.Join(dir, target.File), filepath.Join(dir, good)); err != nil {
		return "", fmt.Errorf("mark-good: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("mark-good: %w", err)
	}
	return fmt.Sprintf("blessed %s -> %s", target.File, good), nil
}

// HasBootEverSucceeded reports whether a Kitbash entry is known good (has no boot
// counter). A fresh image's kitbash-a.conf is.
func HasBootEverSucceeded(h Host) (bool, error) {
	es, err := readEntries(h.ESPDir())
	if err != nil {
		return false, err
	}
	return (&State{Entries: es}).EverSucceeded(), nil
}

// requireGoodBoot returns the inactive slot when the booted slot is known and its
// entry is known good: the precondition of changing the inactive slot, which is the
// fallback until the booted slot is blessed.
func requireGoodBoot(st *State, op string) (string, error) {
	if st.Booted == "" {
		return "", fmt.Errorf("%s: the booted slot is not known (%s)", op, strings.Join(st.Warnings, "; "))
	}
	e, ok := st.slotEntry(st.Booted)
	if !ok {
		return "", fmt.Errorf("%s: booted slot %s has no entry", op, st.Booted)
	}
	if e.Counted {
		return "", fmt.Errorf("%s: booted slot %s is not known good (%s); the inactive slot is its fallback: run mark-good first", op, st.Booted, e.File)
	}
	return Other(st.Booted), nil
}

// ClearInactive removes the inactive slot's entries (and a half-written one left by
// SetNext), fsyncs loader/entries, then removes the slot's kernel and initramfs
// (/<s>/vmlinuz, /<s>/initrd and any other file its entry names under /<s>/). The
// booted slot must be known good. It returns what it removed.
func ClearInactive(h Host) ([]string, error) {
	st, err := Load(h)
	if err != nil {
		return nil, err
	}
	inactive, err := requireGoodBoot(st, "clear-inactive")
	if err != nil {
		return nil, err
	}
	files := []string{"/" + inactive + "/vmlinuz", "/" + inactive + "/initrd"}
	var names []string
	for _, e := range st.slotEntries(inactive) {
		names = append(names, e.File)
		for _, f := range append([]string{e.Linux}, e.Initrd...) {
			if f = path.Clean("/" + f); strings.HasPrefix(f, "/"+inactive+"/") && !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
	}
	removed, err := removeEntries(st.ESP, append(names, tempName(inactive)))
	if err != nil {
		return removed, fmt.Errorf("clear-inactive: %w", err)
	}
	var dirs []string
	for _, f := range files {
		p := filepath.Join(st.ESP, filepath.FromSlash(f))
		switch err := os.Remove(p); {
		case err == nil:
			removed = append(removed, f)
			if d := filepath.Dir(p); !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		case !errors.Is(err, fs.ErrNotExist):
			return removed, fmt.Errorf("clear-inactive: %w", err)
		}
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return removed, fmt.Errorf("clear-inactive: %w", err)
		}
	}
	return removed, nil
}

// removeEntries removes the named files of loader/entries that exist, then fsyncs
// the directory, and returns the names removed.
func removeEntries(esp string, names []string) ([]string, error) {
	dir := filepath.Join(esp, EntriesDir)
	var removed []string
	for _, n := range names {
		switch err := os.Remove(filepath.Join(dir, n)); {
		case err == nil:
			removed = append(removed, n)
		case !errors.Is(err, fs.ErrNotExist):
			return removed, err
		}
	}
	if len(removed) > 0 {
		if err := syncDir(dir); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// RollbackToInactive makes systemd-boot boot the inactive slot next. The rule: the
// inactive slot must have a known-good entry (kitbash-<i>.conf); the booted slot's
// entry is renamed to an exhausted one, kitbash-<s>+0-<D>.conf, where D is the
// entry's boots done, or 1 when it has no counter or none done. Entries with no tries
// left sort last in systemd-boot, so the inactive slot's entry comes first and boots
// from the next boot on; the booted slot's entry stays on the ESP (status shows it
// "exhausted") until an update replaces it, and a later mark-good from that slot
// would bless it again. The inactive entry may be demoted (its sort-key ends in "~",
// see SetNext): the exhausted entry still sorts after it. It checks, before renaming,
// that systemd-boot would then pick the inactive slot. It returns the old and new
// names.
func RollbackToInactive(h Host) (from, to string, err error) {
	st, err := Load(h)
	if err != nil {
		return "", "", err
	}
	if st.Booted == "" {
		return "", "", fmt.Errorf("rollback-to-inactive: the booted slot is not known (%s)", strings.Join(st.Warnings, "; "))
	}
	inactive := Other(st.Booted)
	if ie, ok := st.slotEntry(inactive); !ok || ie.Counted {
		state := "no entry"
		if ok {
			state = ie.File + ", " + ie.State()
		}
		return "", "", fmt.Errorf("rollback-to-inactive: inactive slot %s is not known good (%s): nothing to roll back to", inactive, state)
	}
	es := st.slotEntries(st.Booted)
	if len(es) != 1 {
		return "", "", fmt.Errorf("rollback-to-inactive: booted slot %s has %d entries, want 1", st.Booted, len(es))
	}
	cur := es[0]
	done := cur.Done
	if !cur.Counted || done == 0 {
		done = 1
	}
	to = TrialName(st.Booted, 0, done)
	var after []Entry
	for _, e := range st.Entries {
		if e.File == cur.File {
			e = ParseEntry(to, nil)
			e.SortKey, e.MachineID, e.Version = cur.SortKey, cur.MachineID, cur.Version
		}
		after = append(after, e)
	}
	sortEntries(after)
	if n, ok := NextEntry(after, st.Default); !ok || n.Slot != inactive {
		return "", "", fmt.Errorf("rollback-to-inactive: systemd-boot would still not boot slot %s (it would pick %q)", inactive, n.File)
	}
	if cur.File == to {
		return cur.File, to, nil
	}
	dir := filepath.Join(st.ESP, EntriesDir)
	if err := os.Rename(filepath.Join(dir, cur.File), filepath.Join(dir, to)); err != nil {
		return "", "", fmt.Errorf("rollback-to-inactive: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", "", fmt.Errorf("rollback-to-inactive: %w", err)
	}
	return cur.File, to, nil
}

// writeSync writes b to a new file at p and fsyncs it.
func writeSync(p string, b []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync %s: %w", p, err)
	}
	return f.Close()
}

// syncDir fsyncs a directory, so a rename or removal in it is on disk (vfat writes
// the directory's blocks and the FAT).
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
