package boot

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/image/gpt"
)

// Slot is one A/B slot's boot entry.
type Slot struct {
	// Name is the slot's name, "a" or "b": the entry's file name and the directory of
	// its kernel and initramfs on the ESP.
	Name string
	// Version is the OS version in the slot, e.g. "0.1.0"; among entries with the same
	// sort-key and tries left, systemd-boot boots the highest version (for a
	// downgrade, bootslot set-next demotes the other entry's sort-key; see the
	// package documentation).
	Version string
	// Root, Hash, Private and Data are the unique partition GUIDs of the slot's ROOT
	// and HASH partitions and of the shared PRIVATE and DATA partitions, in on-disk
	// (mixed-endian) encoding as in builder/image/gpt. Private and Data are left off
	// the command line when all zero.
	Root, Hash, Private, Data [16]byte
	// RootHash is the dm-verity root hash (sha256, 32 bytes).
	RootHash []byte
	// Salt is the dm-verity salt; empty for none.
	Salt []byte
	// DataBlocks is the number of 4096-byte data blocks the hash tree covers.
	DataBlocks int64
	// Tries is 0 for a known-good entry without boot counting, or the number of boots
	// a new slot gets before systemd-boot falls back to the other slot.
	Tries int
}

// Config is the variant's boot configuration, shared by both slots.
type Config struct {
	// OSName prefixes the entry file names ("<os>-<slot>.conf") and the title,
	// e.g. "kitbash".
	OSName string
	// SortKey is every entry's sort-key, e.g. "kitbash"; OSName when empty.
	SortKey string
	// Parameters are the variant's kernel parameters, e.g. "console=ttyS0"; they
	// come first on the command line, in this order.
	Parameters []string
	// Timeout is the boot menu timeout in seconds; 0 hides the menu.
	Timeout int
}

// ReadyTimeoutParam is the one kitbash.* parameter a variant sets: init's watchdog for
// slots on trial (seconds until a machine that is not ready reboots to fall back).
const ReadyTimeoutParam = "kitbash.ready-timeout="

// Cmdline returns the kernel command line of slot s: c.Parameters, then the kitbash.*
// keys the initramfs reads, in a fixed order.
func Cmdline(c Config, s Slot) string {
	args := append([]string(nil), c.Parameters...)
	args = append(args,
		"kitbash.root=PARTUUID="+gpt.GUIDString(s.Root),
		"kitbash.hash=PARTUUID="+gpt.GUIDString(s.Hash),
		"kitbash.roothash="+hex.EncodeToString(s.RootHash),
		"kitbash.salt="+saltString(s.Salt),
		"kitbash.datablocks="+strconv.FormatInt(s.DataBlocks, 10),
	)
	if s.Private != ([16]byte{}) {
		args = append(args, "kitbash.private=PARTUUID="+gpt.GUIDString(s.Private))
	}
	if s.Data != ([16]byte{}) {
		args = append(args, "kitbash.data=PARTUUID="+gpt.GUIDString(s.Data))
	}
	return strings.Join(args, " ")
}

func saltString(salt []byte) string {
	if len(salt) == 0 {
		return "-"
	}
	return hex.EncodeToString(salt)
}

// EntryName returns the file name of slot s's entry in loader/entries:
// "<os>-<slot>+<tries>.conf" when s.Tries > 0, else "<os>-<slot>.conf".
func EntryName(c Config, s Slot) string {
	if s.Tries > 0 {
		return fmt.Sprintf("%s-%s+%d.conf", c.OSName, s.Name, s.Tries)
	}
	return fmt.Sprintf("%s-%s.conf", c.OSName, s.Name)
}

// Entry returns the file name (see EntryName) and contents of slot s's boot entry.
func Entry(c Config, s Slot) (name string, body []byte) {
	var b strings.Builder
	fmt.Fprintf(&b, "title %s %s (slot %s)\n", c.OSName, s.Version, s.Name)
	fmt.Fprintf(&b, "sort-key %s\n", sortKey(c))
	fmt.Fprintf(&b, "version %s\n", s.Version)
	fmt.Fprintf(&b, "linux /%s/vmlinuz\n", s.Name)
	fmt.Fprintf(&b, "initrd /%s/initrd\n", s.Name)
	fmt.Fprintf(&b, "options %s\n", Cmdline(c, s))
	return EntryName(c, s), []byte(b.String())
}

func sortKey(c Config) string {
	if c.SortKey != "" {
		return c.SortKey
	}
	return c.OSName
}

// LoaderConf returns loader/loader.conf: the timeout, the console mode kept as the
// firmware set it, no command line editor, and the default pattern "<os>-*" (the
// first Kitbash entry in systemd-boot's order; see the package documentation).
func LoaderConf(c Config) []byte {
	return fmt.Appendf(nil, "timeout %d\nconsole-mode keep\neditor no\ndefault %s-*\n", c.Timeout, c.OSName)
}

// Bless returns the name an entry file gets when its slot is marked good: the name
// without its boot counter ("x+3.conf", "x+2-1.conf" and "x+0-3.conf" all give
// "x.conf"), as systemd-bless-boot renames it. It returns name and false when name
// has no counter (a known-good entry: nothing to rename). name is a file name in
// loader/entries, not a path.
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

// Validate reports what in c and s would make a wrong or unusable entry, naming the
// field: names that are not [a-z0-9._-] (the OS and slot names make the file name and
// a "+" would read as a boot counter), versions or parameters with white space, a root
// hash that is not 32 bytes, a salt over 256 bytes, a missing GUID, a negative count.
func Validate(c Config, s Slot) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !isName(c.OSName) {
		bad("boot: OSName %q: want a non-empty name of a-z, 0-9, '.', '_' or '-'", c.OSName)
	}
	if c.SortKey != "" && !isName(c.SortKey) {
		bad("boot: SortKey %q: want a name of a-z, 0-9, '.', '_' or '-'", c.SortKey)
	}
	for i, p := range c.Parameters {
		if p == "" || strings.ContainsFunc(p, isSpace) {
			bad("boot: Parameters[%d] %q: want a non-empty parameter without white space", i, p)
		}
		if strings.HasPrefix(p, "kitbash.") && !strings.HasPrefix(p, ReadyTimeoutParam) {
			bad("boot: Parameters[%d] %q: kitbash.* keys are set by the image builder (all but %s); remove it", i, p, ReadyTimeoutParam)
		}
	}
	if c.Timeout < 0 {
		bad("boot: Timeout %d: want 0 or more seconds", c.Timeout)
	}
	if !isName(s.Name) {
		bad("boot: slot Name %q: want a non-empty name of a-z, 0-9, '.', '_' or '-'", s.Name)
	}
	if s.Version == "" || strings.ContainsFunc(s.Version, isSpace) {
		bad("boot: slot %s: Version %q: want a non-empty version without white space", s.Name, s.Version)
	}
	if s.Root == ([16]byte{}) {
		bad("boot: slot %s: Root: the ROOT partition GUID is missing", s.Name)
	}
	if s.Hash == ([16]byte{}) {
		bad("boot: slot %s: Hash: the HASH partition GUID is missing", s.Name)
	}
	if len(s.RootHash) != 32 {
		bad("boot: slot %s: RootHash: %d bytes, want 32 (sha256)", s.Name, len(s.RootHash))
	}
	if len(s.Salt) > 256 {
		bad("boot: slot %s: Salt: %d bytes, want at most 256", s.Name, len(s.Salt))
	}
	if s.DataBlocks <= 0 {
		bad("boot: slot %s: DataBlocks %d: want the number of 4096-byte data blocks, more than 0", s.Name, s.DataBlocks)
	}
	if s.Tries < 0 {
		bad("boot: slot %s: Tries %d: want 0 (known good) or more", s.Name, s.Tries)
	}
	return errors.Join(errs...)
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}
