package bootslot

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// demoteMark ends the sort-key of a demoted entry: SetNext demotes the booted, known-good
// entry when it installs an older version (a downgrade) in the other slot, by rewriting
// its sort-key from the base ("kitbash", builder/image/boot.Config.SortKey or OSName)
// to base+"~". systemd-boot compares sort-keys before versions, byte by byte, so
// "kitbash~" sorts after "kitbash" whatever the versions; entries with no tries left
// still sort before any of that, so a demoted entry boots again when the other slot's
// tries run out. The builder's sort-keys are names of a-z, 0-9, '.', '_' and '-' (its
// Validate), so a '~' at the end is always this mark.
const demoteMark = "~"

// demoted reports whether e's sort-key carries demoteMark.
func (e Entry) demoted() bool { return strings.HasSuffix(e.SortKey, demoteMark) }

// baseSortKey is sort-key k without the demotion mark: the sort-key every new Kitbash
// entry gets.
func baseSortKey(k string) string { return strings.TrimSuffix(k, demoteMark) }

// checkSortKey checks the new entry e's sort-key against the booted entry's: it must be
// the base one (the booted entry's, without its demotion mark, when it has a
// sort-key), so that systemd-boot orders the two by version, or after a demotion by
// sort-key, and never carry the demotion mark itself.
func checkSortKey(e, booted Entry) error {
	if e.demoted() {
		return fmt.Errorf("the entry's sort-key %q ends in %q, the mark of a demoted entry", e.SortKey, demoteMark)
	}
	if booted.SortKey != "" && e.SortKey != baseSortKey(booted.SortKey) {
		return fmt.Errorf("the entry's sort-key is %q, not %q (the booted entry %s has %q)", e.SortKey, baseSortKey(booted.SortKey), booted.File, booted.SortKey)
	}
	return nil
}

// demoteEntry rewrites entry e in dir with its sort-key base+demoteMark (see
// replaceEntry). It returns e's body before the change, once read, for the undo.
func demoteEntry(dir string, e Entry, afterStep func(string)) (orig []byte, err error) {
	orig, err = os.ReadFile(filepath.Join(dir, e.File))
	if err != nil {
		return nil, err
	}
	key := baseSortKey(e.SortKey) + demoteMark
	body := withSortKey(orig, key)
	if got := ParseEntry(e.File, body).SortKey; got != key {
		return orig, fmt.Errorf("rewritten, its sort-key would be %q, not %q", got, key)
	}
	if err := replaceEntry(dir, e, body, "demote", afterStep); err != nil {
		return orig, err
	}
	return orig, nil
}

// restoreEntry puts orig back as entry e's body in dir, when it is not that already.
func restoreEntry(dir string, e Entry, orig []byte, afterStep func(string)) error {
	cur, err := os.ReadFile(filepath.Join(dir, e.File))
	if err != nil {
		return err
	}
	if bytes.Equal(cur, orig) {
		return nil
	}
	return replaceEntry(dir, e, orig, "restore", afterStep)
}

// replaceEntry replaces entry e's file in dir with body, in place: it writes body under
// the slot's temporary name (no ".conf", systemd-boot never reads it), fsyncs it and
// dir, renames it over e's file and fsyncs dir again, so the name keeps its counter
// (or its lack of one) and holds the old or the new body at every moment. afterStep
// gets step+"-temp" and step.
func replaceEntry(dir string, e Entry, body []byte, step string, afterStep func(string)) error {
	tmp := filepath.Join(dir, tempName(e.Slot))
	if err := writeSync(tmp, body); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(tmp), err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	afterStep(step + "-temp")
	if err := os.Rename(tmp, filepath.Join(dir, e.File)); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	afterStep(step)
	return nil
}

// withSortKey returns body with the value of every "sort-key" line (as ParseEntry
// reads them) set to key, and every other byte as it was.
func withSortKey(body []byte, key string) []byte {
	lines := strings.SplitAfter(string(body), "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		k := t
		if j := strings.IndexAny(t, " \t"); j >= 0 {
			k = t[:j]
		}
		if k == "sort-key" {
			lines[i] = "sort-key " + key + l[len(strings.TrimRight(l, "\r\n")):]
		}
	}
	return []byte(strings.Join(lines, ""))
}
