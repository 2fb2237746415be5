package project

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ByteSize is a number of bytes written as "20GiB", "512MB" or "1024". Units: B, KB, MB,
// GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024), case-insensitive.
type ByteSize int64

type byteUnit struct {
	name string
	size int64
}

// byteUnits lists the units, binary ones first, largest first within each kind.
func byteUnits() []byteUnit {
	return []byteUnit{
		{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
		{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
	}
}

// UnmarshalText parses a size such as "20GiB".
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	digits, unit := s, ""
	if i >= 0 {
		digits, unit = s[:i], strings.TrimSpace(s[i:])
	}
	if digits == "" {
		return fmt.Errorf("%q is not a size: expected a whole number with an optional unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a size: %w", s, err)
	}
	mult := int64(1)
	if unit != "" {
		mult = 0
		for _, u := range byteUnits() {
			if strings.EqualFold(unit, u.name) {
				mult = u.size
			}
		}
		if mult == 0 {
			return fmt.Errorf("%q has unknown unit %q; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB", s, unit)
		}
	}
	if n > math.MaxInt64/mult {
		return fmt.Errorf("%q is too large", s)
	}
	*b = ByteSize(n * mult)
	return nil
}

// MarshalText writes the size like String.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// String formats the size with the unit that divides it exactly into the smallest
// number, e.g. "20GiB" or "512MB".
func (b ByteSize) String() string {
	best := byteUnit{"B", 1}
	for _, u := range byteUnits() {
		if b != 0 && int64(b)%u.size == 0 && u.size > best.size {
			best = u
		}
	}
	return strconv.FormatInt(int64(b)/best.size, 10) + best.name
}

// Duration is a time.Duration written as a Go duration string ("168h", "90m").
type Duration time.Duration

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(text)))
	if err != nil {
		return fmt.Errorf("not a Go duration (like 168h or 90m): %w", err)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration like "168h0m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }
