package migrate

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// OSReleaseVersion returns VERSION_ID from an os-release(5) file.
func OSReleaseVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || k != "VERSION_ID" {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
			if v[0] == '"' {
				if u, err := strconv.Unquote(v); err == nil {
					return u, nil
				}
			}
			if v[len(v)-1] == v[0] {
				return v[1 : len(v)-1], nil
			}
		}
		if v == "" {
			break
		}
		return v, nil
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return "", fmt.Errorf("%s: no VERSION_ID", path)
}
