package project

import (
	_ "embed"
	"strings"
)

// Defaults written by `kitbash init`.
const (
	DefaultSuite          = "bookworm"
	DefaultGoVersion      = "1.26.8"
	DefaultReleaseVersion = "0.1.0"
)

//go:embed sdk-packages.txt
var sdkPackagesTxt string // read-only

// DefaultSDKPackages returns the Debian packages a new project's SDK starts with, from
// sdk-packages.txt (a fresh slice on every call).
func DefaultSDKPackages() []string {
	var pkgs []string
	for _, line := range strings.Split(sdkPackagesTxt, "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			pkgs = append(pkgs, line)
		}
	}
	return pkgs
}
