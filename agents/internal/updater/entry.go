package updater

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// BootConfig is the variant's boot configuration, shared by both slots: a copy of
// builder/image/boot.Config (the agents module does not import the builder).
type BootConfig struct {
	// OSName prefixes the entry file names and the title: "kitbash".
	OSName string
	// SortKey is every entry's sort-key; OSName when empty.
	SortKey string
	// Parameters are the variant's kernel parameters; they come first on the command
	// line, in this order.
	Parameters []string
}

// BootSlot is one slot's boot entry: builder/image/boot.Slot with the GUIDs in text
// form (as bootslot.Partition.UUID gives them) and the root hash and salt in hex (as
// boot.json gives them).
type BootSlot struct {
	Name    string // "a" or "b"
	Version string
	// Root, Hash, Private and Data are the partitions' unique GUIDs
	// ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"); Private and Data are left off the
	// command line when empty.
	Root, Hash, Private, Data string
	RootHash                  string // hex, 32 bytes
	Salt                      string // hex; "" for none
	DataBlocks                int64
}

// Cmdline returns the kernel command line of slot s, byte for byte what
// builder/image/boot.Cmdline gives: c.Parameters, then kitbash.root, kitbash.hash,
// kitbash.roothash, kitbash.salt ("-" when empty), kitbash.datablocks, then
// kitbash.private and kitbash.data when set. GUIDs and hex are written lower case.
func Cmdline(c BootConfig, s BootSlot) string {
	args := append([]string(nil), c.Parameters...)
	salt := strings.ToLower(s.Salt)
	if salt == "" {
		salt = "-"
	}
	args = append(args,
		"kitbash.root=PARTUUID="+strings.ToLower(s.Root),
		"kitbash.hash=PARTUUID="+strings.ToLower(s.Hash),
		"kitbash.roothash="+strings.ToLower(s.RootHash),
		"kitbash.salt="+salt,
		"kitbash.datablocks="+strconv.FormatInt(s.DataBlocks, 10),
	)
	if s.Private != "" {
		args = append(args, "kitbash.private=PARTUUID="+strings.ToLower(s.Private))
	}
	if s.Data != "" {
		args = append(args, "kitbash.data=PARTUUID="+strings.ToLower(s.Data))
	}
	return strings.Join(args, " ")
}

// Entry returns slot s's entry file body, byte for byte what builder/image/boot.Entry
// gives. The file name (with its boot counter) is bootslot.SetNext's business.
func Entry(c BootConfig, s BootSlot) []byte {
	sortKey := c.SortKey
	if sortKey == "" {
		sortKey = c.OSName
	}
	var b strings.Builder
	fmt.Fprintf(&b, "title %s %s (slot %s)\n", c.OSName, s.Version, s.Name)
	fmt.Fprintf(&b, "sort-key %s\n", sortKey)
	fmt.Fprintf(&b, "version %s\n", s.Version)
	fmt.Fprintf(&b, "linux /%s/vmlinuz\n", s.Name)
	fmt.Fprintf(&b, "initrd /%s/initrd\n", s.Name)
	fmt.Fprintf(&b, "options %s\n", Cmdline(c, s))
	return []byte(b.String())
}

// ValidateBootSlot checks what would make a wrong entry: the checks of
// builder/image/boot.Validate that concern the data an update brings (boot.json) and
// the GPT.
func ValidateBootSlot(c BootConfig, s BootSlot) error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	for i, p := range c.Parameters {
		if p == "" || strings.ContainsAny(p, " \t\r\n\v\f") {
			bad("parameters[%d] %q: want a non-empty parameter without white space", i, p)
		}
		if strings.HasPrefix(p, "kitbash.") && !strings.HasPrefix(p, "kitbash.ready-timeout=") {
			bad("parameters[%d] %q: kitbash.* keys are set by the updater (all but kitbash.ready-timeout=)", i, p)
		}
	}
	if s.Version == "" || strings.ContainsAny(s.Version, " \t\r\n\v\f") {
		bad("version %q: want a non-empty version without white space", s.Version)
	}
	for _, g := range []struct{ name, v string }{{"root", s.Root}, {"hash", s.Hash}, {"private", s.Private}, {"data", s.Data}} {
		if (g.name == "root" || g.name == "hash") && g.v == "" {
			bad("%s partition GUID missing", g.name)
		} else if g.v != "" && !isGUID(g.v) {
			bad("%s partition GUID %q: want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", g.name, g.v)
		}
	}
	if b, err := hex.DecodeString(s.RootHash); err != nil || len(b) != 32 {
		bad("rootHash %q: want 64 hex digits (sha256)", s.RootHash)
	}
	if b, err := hex.DecodeString(s.Salt); err != nil || len(b) > 256 {
		bad("salt %q: want hex, at most 256 bytes", s.Salt)
	}
	if s.DataBlocks <= 0 {
		bad("dataBlocks %d: want more than 0", s.DataBlocks)
	}
	if len(errs) > 0 {
		return fmt.Errorf("boot entry for slot %s: %s", s.Name, strings.Join(errs, "; "))
	}
	return nil
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
