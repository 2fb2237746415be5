package sdk

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// aptCheckOptions are the host apt settings passed on to mmdebstrap, so a host
// that uses a snapshot mirror with expired Release files keeps working.
func aptCheckOptions() []string {
	return []string{"Acquire::Check-Valid-Until", "Acquire::Check-Date"}
}

// HostAptSources reads the host's apt configuration (`apt-config dump`) and
// returns the sources files apt would use (Dir::Etc::sourcelist and the *.list /
// *.sources files in Dir::Etc::sourceparts that exist) and the
// Acquire::Check-Valid-Until / Acquire::Check-Date settings formatted for
// WithAptOptions.
func HostAptSources() ([]string, []string, error) {
	out, err := exec.Command("apt-config", "dump").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("read host apt configuration (apt-config dump): %w", err)
	}
	return aptSourcesFromDump(out)
}

// aptSourcesFromDump does HostAptSources' work on apt-config dump output.
func aptSourcesFromDump(dump []byte) ([]string, []string, error) {
	vals := parseAptDump(dump)
	var files []string
	if p := aptPath(vals, "Dir::Etc::sourcelist"); p != "" && hasSources(p) {
		files = append(files, p)
	}
	if dir := aptPath(vals, "Dir::Etc::sourceparts"); dir != "" {
		parts, err := sourceParts(dir)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, parts...)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("host apt configuration names no sources file that exists")
	}
	var opts []string
	for _, k := range aptCheckOptions() {
		if v, ok := vals[k]; ok {
			opts = append(opts, k+` "`+v+`"`)
		}
	}
	return files, opts, nil
}

// parseAptDump reads `Key "value";` lines. List items (keys ending in "::") and
// anything else are skipped.
func parseAptDump(dump []byte) map[string]string {
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(dump))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		key, rest, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok || strings.HasSuffix(key, "::") {
			continue
		}
		v, ok := strings.CutSuffix(rest, ";")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			continue
		}
		vals[key] = v[1 : len(v)-1]
	}
	return vals
}

// aptPath resolves a Dir:: setting the way apt's FindFile does: a relative value
// is joined to its parent key's path, up to Dir.
func aptPath(vals map[string]string, key string) string {
	v, ok := vals[key]
	if !ok || v == "" {
		return ""
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") {
		return filepath.Clean(v)
	}
	i := strings.LastIndex(key, "::")
	if i < 0 {
		return filepath.Clean(v)
	}
	parent := aptPath(vals, key[:i])
	if parent == "" {
		return filepath.Clean(v)
	}
	return filepath.Join(parent, v)
}

// sourcePartRE matches the file names apt reads from sources.list.d.
var sourcePartRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+\.(list|sources)$`)

func sourceParts(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read apt sources directory %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if sourcePartRE.MatchString(e.Name()) && hasSources(p) {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	return files, nil
}

// hasSources reports whether p is a regular file with a non-comment line.
func hasSources(p string) bool {
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return true
		}
	}
	return false
}
