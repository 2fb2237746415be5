package bootslot

import (
	"strconv"
	"strings"
)

// OSName prefixes the entry file names: slot s's entry is "kitbash-<s>.conf", or
// "kitbash-<s>+LEFT[-DONE].conf" while it is on trial (builder/image/boot.EntryName).
const OSName = "kitbash"

// Slots returns the A/B slots, in order; each has the partitions ROOT-<S> and HASH-<S>
// and the directory /<s>/ on the ESP.
func Slots() []string { return []string{"a", "b"} }

// Other returns the slot that is not s ("a" for "b" and the reverse), or "" when s is
// not a slot.
func Other(s string) string {
	switch s {
	case "a":
		return "b"
	case "b":
		return "a"
	}
	return ""
}

// Bless returns the name an entry file gets when its slot is marked good: the name
// without its boot counter ("x+3.conf", "x+2-1.conf" and "x+0-3.conf" all give
// "x.conf"), as systemd-bless-boot renames it. It returns name and false when name
// has no counter (a known-good entry: nothing to rename).
//
// Bless, Tries, parse and number are copied from builder/image/boot (another module,
// which the agents module does not import) and must keep its semantics; the table
// test in name_test.go is the same as builder/image/boot's TestBless.
func Bless(name string) (string, bool) {
	base, _, _, ok := parse(name)
	if !ok {
		return name, false
	}
	return base, true
}

// Tries returns the boot counter of an entry file name: the boots left and the boots
// done ("x+2-1.conf" gives 2, 1; "x+3.conf" gives 3, 0), and false when the name has
// no counter.
func Tries(name string) (left, done int, ok bool) {
	_, left, done, ok = parse(name)
	return left, done, ok
}

// parse splits a counter off name as systemd-boot does: the counter follows the last
// "+" of the name and runs up to the ".conf" (or ".efi") suffix, "+LEFT" or
// "+LEFT-DONE" in decimal digits.
func parse(name string) (base string, left, done int, ok bool) {
	var suffix string
	for _, s := range []string{".conf", ".efi"} {
		if len(name) > len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
			suffix = name[len(name)-len(s):]
		}
	}
	if suffix == "" {
		return "", 0, 0, false
	}
	stem := name[:len(name)-len(suffix)]
	plus := strings.LastIndexByte(stem, '+')
	if plus < 0 {
		return "", 0, 0, false
	}
	counter := stem[plus+1:]
	l, d, hasDone := strings.Cut(counter, "-")
	left, ok = number(l)
	if !ok {
		return "", 0, 0, false
	}
	if hasDone {
		if done, ok = number(d); !ok {
			return "", 0, 0, false
		}
	}
	return stem[:plus] + suffix, left, done, true
}

// number parses a non-empty run of decimal digits no larger than MaxInt32.
func number(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// GoodName is the known-good entry name of slot s: "kitbash-<s>.conf".
func GoodName(s string) string { return OSName + "-" + s + ".conf" }

// TrialName is the entry name of slot s with a boot counter: "kitbash-<s>+LEFT.conf"
// when done is 0, else "kitbash-<s>+LEFT-DONE.conf".
func TrialName(s string, left, done int) string {
	if done == 0 {
		return OSName + "-" + s + "+" + strconv.Itoa(left) + ".conf"
	}
	return OSName + "-" + s + "+" + strconv.Itoa(left) + "-" + strconv.Itoa(done) + ".conf"
}

// tempName is the name set-next writes slot s's entry under before renaming it into
// place (the inactive slot's new entry, or the booted slot's entry it demotes); it does
// not end in ".conf", so systemd-boot never reads it.
func tempName(s string) string { return OSName + "-" + s + ".new" }

// SlotOf returns the slot of a Kitbash entry file name ("kitbash-b+0-1.conf" gives
// "b"), and false for any other name (other OSes, temporary files, ".efi" entries).
func SlotOf(name string) (string, bool) {
	base, _ := Bless(name)
	for _, s := range Slots() {
		if base == GoodName(s) {
			return s, true
		}
	}
	return "", false
}
