package bootslot

import "strings"

// This file models systemd-boot's ordering of entries (src/boot/boot.c,
// boot_entry_compare, and src/fundamental/string-util-fundamental.c,
// strverscmp_improved), so that status and the checks before every change can say
// which entry systemd-boot boots next.

// compareEntries orders two entries as systemd-boot does: entries with no tries left
// last; entries with a sort-key before those without; then sort-key ascending,
// machine-id ascending and version descending (only when both have a sort-key); then
// id (the lower-cased file name) descending; then, when both count boots, more tries
// left first and fewer tries done first.
func compareEntries(a, b Entry) int {
	if r := cmpBool(a.exhausted(), b.exhausted()); r != 0 {
		return r
	}
	if r := cmpBool(a.SortKey == "", b.SortKey == ""); r != 0 {
		return r
	}
	if a.SortKey != "" && b.SortKey != "" {
		if r := sign(strings.Compare(a.SortKey, b.SortKey)); r != 0 {
			return r
		}
		if r := sign(strings.Compare(a.MachineID, b.MachineID)); r != 0 {
			return r
		}
		if r := -versionCompare(a.Version, b.Version); r != 0 {
			return r
		}
	}
	if r := -versionCompare(a.id(), b.id()); r != 0 {
		return r
	}
	if !a.Counted || !b.Counted {
		return 0
	}
	if a.Left != b.Left {
		return -sign(a.Left - b.Left)
	}
	return sign(a.Done - b.Done)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isVersionChar(c byte) bool {
	return isDigit(c) || isAlpha(c) || c == '~' || c == '-' || c == '^' || c == '.'
}

// versionCompare is strverscmp_improved: it returns -1, 0 or 1 as a is older than,
// the same as or newer than b. Runs of digits compare as numbers ("0.10.0" is newer
// than "0.2.0"), '~' marks a pre-release (older), a '-' segment is older than a '.'
// one, a numeric segment is newer than an alphabetic one, and with equal leading
// segments the string with more segments is newer.
func versionCompare(a, b string) int {
	if a == "" || b == "" {
		return sign(strings.Compare(a, b))
	}
	at := func(s string) byte {
		if s == "" {
			return 0
		}
		return s[0]
	}
	for {
		for a != "" && !isVersionChar(a[0]) {
			a = a[1:]
		}
		for b != "" && !isVersionChar(b[0]) {
			b = b[1:]
		}
		for _, sep := range []byte{'~'} {
			if at(a) == sep || at(b) == sep {
				if r := cmpBool(at(a) != sep, at(b) != sep); r != 0 {
					return r
				}
				a, b = a[1:], b[1:]
			}
		}
		if a == "" || b == "" {
			return sign(strings.Compare(a, b))
		}
		for _, sep := range []byte{'-', '^', '.'} {
			if at(a) == sep || at(b) == sep {
				if r := cmpBool(at(a) != sep, at(b) != sep); r != 0 {
					return r
				}
				a, b = a[1:], b[1:]
			}
		}
		var na, nb int
		if isDigit(at(a)) || isDigit(at(b)) {
			for na < len(a) && isDigit(a[na]) {
				na++
			}
			for nb < len(b) && isDigit(b[nb]) {
				nb++
			}
			if r := cmpBool(na != 0, nb != 0); r != 0 {
				return r
			}
			da, db := strings.TrimLeft(a[:na], "0"), strings.TrimLeft(b[:nb], "0")
			if r := sign(len(da) - len(db)); r != 0 {
				return r
			}
			if r := sign(strings.Compare(da, db)); r != 0 {
				return r
			}
		} else {
			for na < len(a) && isAlpha(a[na]) {
				na++
			}
			for nb < len(b) && isAlpha(b[nb]) {
				nb++
			}
			n := min(na, nb)
			if r := sign(strings.Compare(a[:n], b[:n])); r != 0 {
				return r
			}
			if r := sign(na - nb); r != 0 {
				return r
			}
		}
		a, b = a[na:], b[nb:]
	}
}
