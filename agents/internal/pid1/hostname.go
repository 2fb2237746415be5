package pid1

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
)

// DefaultHostnameFiles are where the hostname is read from, first found wins: the file
// rendered from the settings, then the image's /etc/hostname.
func DefaultHostnameFiles() []string {
	return []string{"/etc/kitbash/hostname", "/etc/hostname"}
}

// DefaultHostname is used when no hostname file has one.
const DefaultHostname = "localhost"

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$`)

// Hostname returns the first line of the first of files (under root) that exists and
// holds a valid hostname, and the file it came from ("" for DefaultHostname).
func Hostname(root string, files []string) (name, from string, err error) {
	for _, f := range files {
		path := filepath.Join(root, f)
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", "", fmt.Errorf("hostname: %w", err)
		}
		line, _, _ := bufio.NewReader(bytes.NewReader(b)).ReadLine()
		h := string(bytes.TrimSpace(line))
		if h == "" {
			continue
		}
		if !hostnameRE.MatchString(h) {
			return "", "", fmt.Errorf("%s: %q is not a hostname (letters, digits, '-', '.', at most 64)", path, h)
		}
		return h, path, nil
	}
	return DefaultHostname, "", nil
}

// SetHostname sets the kernel's hostname (the UTS namespace's).
func SetHostname(name string) error {
	if err := syscall.Sethostname([]byte(name)); err != nil {
		return fmt.Errorf("sethostname %q: %w", name, err)
	}
	return nil
}
