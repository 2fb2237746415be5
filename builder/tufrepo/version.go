package tufrepo

import (
	"fmt"
	"strconv"
	"strings"
)

// semver is a MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] version.
type semver struct {
	nums [3]uint64
	pre  string
}

func parseVersion(s string) (semver, error) {
	var v semver
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

// compareVersions orders two versions (semver precedence; prereleases compare as text).
// Versions that do not parse sort after those that do, by text.
func compareVersions(a, b string) int {
	va, ea := parseVersion(a)
	vb, eb := parseVersion(b)
	switch {
	case ea != nil && eb != nil:
		return strings.Compare(a, b)
	case ea != nil:
		return 1
	case eb != nil:
		return -1
	}
	for i := range va.nums {
		if va.nums[i] != vb.nums[i] {
			if va.nums[i] < vb.nums[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case va.pre == vb.pre:
		return 0
	case va.pre == "":
		return 1
	case vb.pre == "":
		return -1
	}
	return strings.Compare(va.pre, vb.pre)
}
