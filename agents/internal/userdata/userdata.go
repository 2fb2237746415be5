// Package userdata reads the user data a machine is given at first boot: TOML, from a
// file on a config drive or base64-encoded on the kernel command line
// (kitbash.userdata=<base64 TOML>). Settings live under a top-level [settings] table,
// as in
//
//	[settings]
//	motd = "hello"
//
//	[settings.ntp]
//	servers = ["0.pool.ntp.org", "1.pool.ntp.org"]
//
//	[settings.kubernetes.labels]
//	"topology.kubernetes.io/zone" = "a"
//
// # The TOML subset
//
// The parser implements this part of TOML 1.0 and rejects everything else with the line
// number and a reason:
//
//   - comments (# to the end of the line), blank lines, LF or CRLF line ends;
//   - tables: [a.b.c] headers (each defined once; arrays of tables [[...]] are not
//     supported);
//   - keys: bare (A-Za-z0-9_-), "basic" or 'literal' quoted, and dotted (a.b = 1), with
//     TOML's rules against defining a key or table twice;
//   - values: basic strings "..." with the escapes \b \t \n \f \r \" \\ \uXXXX
//     \UXXXXXXXX; literal strings '...'; decimal 64-bit integers with an optional sign
//     and single underscores between digits (no leading zeros, no hex/octal/binary);
//     true and false; arrays of strings (may span lines, hold comments and end with a
//     comma).
//
// Not supported: multi-line strings, floats, dates and times, inline tables, arrays of
// anything but strings.
package userdata

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// Param is the kernel command line parameter that carries base64-encoded TOML.
const Param = "kitbash.userdata"

// MaxSize is the largest user data accepted from one source, in bytes (decoded).
const MaxSize = 64 << 10

// Parse parses TOML user data and returns its settings tree (the [settings] table;
// empty if there is none). Top-level keys other than settings are errors.
func Parse(data []byte) (map[string]any, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("user data is %d bytes, more than %d", len(data), MaxSize)
	}
	doc, err := ParseTOML(data)
	if err != nil {
		return nil, err
	}
	var extra []string
	for k := range doc {
		if k != "settings" {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, fmt.Errorf("user data: unknown top-level keys %s (settings go under [settings])", strings.Join(extra, ", "))
	}
	switch s := doc["settings"].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return s, nil
	}
	return nil, fmt.Errorf("user data: settings must be a table")
}

// FromCmdline returns the decoded value of kitbash.userdata= on a kernel command line;
// ok is false when the parameter is absent. The last occurrence wins, as for the
// kernel. Standard and URL-safe base64 are accepted, padded or not.
func FromCmdline(cmdline string) (data []byte, ok bool, err error) {
	var enc string
	for _, field := range strings.Fields(cmdline) {
		if v, found := strings.CutPrefix(field, Param+"="); found {
			enc, ok = strings.Trim(v, `"`), true
		}
	}
	if !ok {
		return nil, false, nil
	}
	if base64.StdEncoding.DecodedLen(len(enc)) > MaxSize+3 {
		return nil, true, fmt.Errorf("%s: more than %d bytes", Param, MaxSize)
	}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := e.DecodeString(enc); err == nil {
			return b, true, nil
		}
	}
	return nil, true, fmt.Errorf("%s: not valid base64", Param)
}

// Load reads the user data of this boot: the TOML file at path (a config drive; a
// missing file, or an empty path, means none) and the kitbash.userdata parameter of
// cmdline (the contents of /proc/cmdline). When both are present the command line wins
// leaf by leaf (tables merge). The result is a settings tree, empty when there is no
// user data.
func Load(path, cmdline string) (map[string]any, error) {
	tree := map[string]any{}
	if path != "" {
		b, err := readLimited(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("user data: %w", err)
		default:
			t, err := Parse(b)
			if err != nil {
				return nil, fmt.Errorf("user data %s: %w", path, err)
			}
			tree = t
		}
	}
	b, ok, err := FromCmdline(cmdline)
	if err != nil {
		return nil, fmt.Errorf("user data: %w", err)
	}
	if ok {
		t, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("user data from the kernel command line: %w", err)
		}
		merge(tree, t)
	}
	return tree, nil
}

func readLimited(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxSize {
		return nil, fmt.Errorf("%s is %d bytes, more than %d", path, st.Size(), MaxSize)
	}
	return os.ReadFile(path)
}

// merge lays src over dst: tables merge recursively, anything else in src replaces.
func merge(dst, src map[string]any) {
	for k, v := range src {
		sm, sok := v.(map[string]any)
		dm, dok := dst[k].(map[string]any)
		if sok && dok {
			merge(dm, sm)
			continue
		}
		dst[k] = v
	}
}
