// Package mountinfo reads the mount points of a /proc/<pid>/mountinfo file (see
// proc(5)).
package mountinfo

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MountPoints returns the mount points (field 5) of a mountinfo file, with the
// kernel's octal escapes ("\040" for a space) decoded.
func MountPoints(r io.Reader) (map[string]bool, error) {
	out := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		out[unescape(f[4])] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return out, nil
}

// unescape undoes mountinfo's \ooo escapes (space, tab, newline, backslash).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
