// Package sdk builds, stores, pushes and pulls the Kitbash SDK: the toolchain
// image every build step runs in. It is a Debian rootfs made by mmdebstrap from a
// package list plus an official Go toolchain under /usr/local/go, assembled so
// that two builds from the same package versions and SOURCE_DATE_EPOCH give the
// same manifest digest.
package sdk

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Spec is what goes into an SDK image.
type Spec struct {
	Name      string   // image name in the store, e.g. "kitbash-sdk"
	Suite     string   // Debian suite, e.g. "bookworm"
	GoVersion string   // e.g. "1.26.8"
	Packages  []string // "name" or "name=version", installed on top of the essential set
	Inputs    string   // digest of the project's sdk section, recorded so a pull can be checked against it
}

// Result describes an SDK image in a store.
type Result struct {
	Name     string
	Digest   v1.Hash  // manifest digest
	Packages []string // resolved "name=version", sorted
	Size     int64    // manifest + config + layers, in bytes
	Inputs   string   // the project sdk-section digest the image was built from ("" if unknown)
}

// Labels on the image config.
const (
	LabelTitle     = "org.opencontainers.image.title"
	LabelCreated   = "org.opencontainers.image.created"
	LabelGoVersion = "dev.kitbash.sdk.go-version"
	LabelGoSum     = "dev.kitbash.sdk.go-toolchain-sum"
	LabelSuite     = "dev.kitbash.sdk.suite"
	LabelPackages  = "dev.kitbash.sdk.packages" // comma-separated "name=version"
	LabelInputs    = "dev.kitbash.sdk.inputs"   // digest of the sdk section of Kitbash.yaml
)

// ImageName is the ref name an SDK image gets in the store: NAME@sha256:HEX.
// Build, Pull and every reader of SDK images use it.
func ImageName(name string, digest v1.Hash) string {
	return name + "@" + digest.String()
}

var (
	imageNameRE = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	suiteRE     = regexp.MustCompile(`^[a-z][a-z0-9.-]*$`)
	goVersionRE = regexp.MustCompile(`^1\.[0-9]+(?:\.[0-9]+|(?:rc|beta)[0-9]+)?$`)
	pkgNameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	pkgVerRE    = regexp.MustCompile(`^[A-Za-z0-9.+~:-]+$`)
)

func validateName(name string) error {
	if !imageNameRE.MatchString(name) {
		return fmt.Errorf("SDK name %q: want lowercase letters, digits, '.', '_', '-' and '/'", name)
	}
	return nil
}

func (s Spec) validate() error {
	if err := validateName(s.Name); err != nil {
		return err
	}
	if !suiteRE.MatchString(s.Suite) {
		return fmt.Errorf("SDK %s: suite %q is not a Debian suite name", s.Name, s.Suite)
	}
	if !goVersionRE.MatchString(s.GoVersion) {
		return fmt.Errorf("SDK %s: Go version %q: want a release such as 1.26.8", s.Name, s.GoVersion)
	}
	for _, p := range s.Packages {
		n, v, pinned := strings.Cut(p, "=")
		if !pkgNameRE.MatchString(n) || (pinned && !pkgVerRE.MatchString(v)) {
			return fmt.Errorf("SDK %s: package %q: want \"name\" or \"name=version\"", s.Name, p)
		}
	}
	return nil
}

// includeList is the sorted, de-duplicated package list for mmdebstrap --include.
func (s Spec) includeList() []string {
	return slices.Compact(slices.Sorted(slices.Values(s.Packages)))
}
