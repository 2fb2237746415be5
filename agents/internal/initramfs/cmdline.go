package initramfs

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Command-line keys (see the package documentation).
const (
	KeyRoot       = "kitbash.root"
	KeyHash       = "kitbash.hash"
	KeyRootHash   = "kitbash.roothash"
	KeySalt       = "kitbash.salt"
	KeyDataBlocks = "kitbash.datablocks"
	KeyPrivate    = "kitbash.private"
	KeyData       = "kitbash.data"
)

// Params is what the boot needs from the kernel command line.
type Params struct {
	Root       string // PARTUUID of the ROOT partition, lower case
	Hash       string // PARTUUID of the HASH partition
	RootHash   string // hex, lower case
	Salt       string // hex, lower case, or "-"
	DataBlocks uint64
	Private    string // PARTUUID or ""
	Data       string // PARTUUID or ""
}

// ParseCmdline reads the kitbash.* keys this stage owns from a kernel command line.
func ParseCmdline(cmdline string) (Params, error) {
	vals := map[string]string{}
	for _, f := range strings.Fields(cmdline) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case KeyRoot, KeyHash, KeyRootHash, KeySalt, KeyDataBlocks, KeyPrivate, KeyData:
		default:
			continue
		}
		if _, dup := vals[k]; dup {
			return Params{}, fmt.Errorf("%s given twice", k)
		}
		vals[k] = v
	}
	var p Params
	var err error
	for _, k := range []string{KeyRoot, KeyHash, KeyRootHash, KeySalt, KeyDataBlocks} {
		if _, ok := vals[k]; !ok {
			return Params{}, fmt.Errorf("%s missing from the kernel command line", k)
		}
	}
	for _, d := range []struct {
		key      string
		out      *string
		optional bool
	}{{KeyRoot, &p.Root, false}, {KeyHash, &p.Hash, false}, {KeyPrivate, &p.Private, true}, {KeyData, &p.Data, true}} {
		v, ok := vals[d.key]
		if !ok && d.optional {
			continue
		}
		if *d.out, err = parsePartUUIDRef(v); err != nil {
			return Params{}, fmt.Errorf("%s=%s: %w", d.key, v, err)
		}
	}
	if p.RootHash, err = parseHex(vals[KeyRootHash], 64, 64); err != nil {
		return Params{}, fmt.Errorf("%s: %w", KeyRootHash, err)
	}
	if p.Salt = vals[KeySalt]; p.Salt != "-" {
		if p.Salt, err = parseHex(p.Salt, 2, 512); err != nil {
			return Params{}, fmt.Errorf("%s: %w", KeySalt, err)
		}
	}
	n, err := strconv.ParseUint(vals[KeyDataBlocks], 10, 64)
	if err != nil || n == 0 || n > 1<<50 {
		return Params{}, fmt.Errorf("%s=%s: want a positive number of 4096-byte blocks", KeyDataBlocks, vals[KeyDataBlocks])
	}
	p.DataBlocks = n
	seen := map[string]string{}
	for _, d := range [][2]string{{KeyRoot, p.Root}, {KeyHash, p.Hash}, {KeyPrivate, p.Private}, {KeyData, p.Data}} {
		if d[1] == "" {
			continue
		}
		if other, ok := seen[d[1]]; ok {
			return Params{}, fmt.Errorf("%s and %s name the same partition", other, d[0])
		}
		seen[d[1]] = d[0]
	}
	return p, nil
}

// parsePartUUIDRef checks PARTUUID=<uuid> and returns the uuid in lower case.
func parsePartUUIDRef(v string) (string, error) {
	u, ok := strings.CutPrefix(v, "PARTUUID=")
	if !ok {
		return "", fmt.Errorf("want PARTUUID=<uuid>")
	}
	u = strings.ToLower(u)
	if len(u) != 36 {
		return "", fmt.Errorf("%q is not a UUID", u)
	}
	for i, c := range u {
		dash := i == 8 || i == 13 || i == 18 || i == 23
		if dash != (c == '-') || !dash && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", fmt.Errorf("%q is not a UUID", u)
		}
	}
	return u, nil
}

// parseHex checks an even-length hex string of min..max digits and lower-cases it.
func parseHex(v string, min, max int) (string, error) {
	if len(v) < min || len(v) > max || len(v)%2 != 0 {
		if min == max {
			return "", fmt.Errorf("%q: want %d hex digits", v, min)
		}
		return "", fmt.Errorf("%q: want an even number of hex digits, %d to %d", v, min, max)
	}
	if _, err := hex.DecodeString(v); err != nil {
		return "", fmt.Errorf("%q is not hex", v)
	}
	return strings.ToLower(v), nil
}
