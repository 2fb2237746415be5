// Package semver parses and orders OS versions: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD],
// with semantic-version precedence except that prereleases compare as plain text. The
// repository tooling (builder/tufrepo) and the variant's migrations (builder/variant)
// share it; the agents module has its own copy (agents/internal/migrate), pinned to the
// same rules by tests on both sides.
package semver

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed version.
type Version struct {
	nums [3]uint64
	pre  string
}

// Parse reads MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; the build part is ignored.
func Parse(s string) (Version, error) {
	var v Version
	core, _, _ := strings.Cut(s, "+")
	core, v.pre, _ = strings.Cut(core, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, fmt.Errorf("version %q: fix: use MAJOR.MINOR.PATCH, e.g. 1.2.0", s)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil || (len(p) > 1 && p[0] == '0') {
			return v, fmt.Errorf("version %q: %q is not a number; fix: use MAJOR.MINOR.PATCH, e.g. 1.2.0", s, p)
		}
		v.nums[i] = n
	}
	return v, nil
}

// Compare orders two parsed versions: -1, 0 or 1.
func (a Version) Compare(b Version) int {
	for i := range a.nums {
		if a.nums[i] != b.nums[i] {
			if a.nums[i] < b.nums[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	return strings.Compare(a.pre, b.pre)
}

// Compare orders two version strings. Versions that do not parse sort after those
// that do, by text.
func Compare(a, b string) int {
	va, ea := Parse(a)
	vb, eb := Parse(b)
	switch {
	case ea != nil && eb != nil:
		return strings.Compare(a, b)
	case ea != nil:
		return 1
	case eb != nil:
		return -1
	}
	return va.Compare(vb)
}
