package project

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Formats of the values in Kitbash.yaml and Kitbash.lock (compiled once, never changed).
var (
	semverRE     = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)
	identRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	vendorIDRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	suiteRE      = regexp.MustCompile(`^[a-z][a-z0-9.-]*$`)
	goVersionRE  = regexp.MustCompile(`^1\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$`)
	debNameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	debVersionRE = regexp.MustCompile(`^([0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~:-]*$`)
	envNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	digestRE     = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

const (
	semverFix  = "write MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 0.1.0 or 1.2.0-rc.1"
	identFix   = "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. my-sdk"
	digestFix  = "write sha256: followed by 64 lowercase hex digits; let kitbash write Kitbash.lock rather than editing it"
	maxNameLen = 128
)

// checker collects the problems of a Validate method.
type checker struct {
	doc *yamlstrict.Doc
	ps  yamlstrict.Problems
}

func (c *checker) add(field, message, fix string) {
	c.ps.Add(c.doc.Problem(field, message, fix))
}

// where names field's position for a message: "line 12", or the field path.
func (c *checker) where(field string) string {
	if c.doc.Has(field) {
		line, _ := c.doc.Pos(field)
		return fmt.Sprintf("line %d", line)
	}
	return field
}

// match checks that value is not empty and matches re; what names the expected format.
func (c *checker) match(field, value string, re *regexp.Regexp, what, fix string) bool {
	switch {
	case value == "":
		c.add(field, "must not be empty", fix)
	case !re.MatchString(value):
		c.add(field, fmt.Sprintf("%q is not %s", value, what), fix)
	default:
		return true
	}
	return false
}

func (c *checker) ident(field, value, fix string) {
	if c.match(field, value, identRE, "a valid name", fix) && len(value) > maxNameLen {
		c.add(field, fmt.Sprintf("name is longer than %d characters", maxNameLen), fix)
	}
}

// relPath checks a file path that must stay inside the project directory.
func (c *checker) relPath(field, p, fix string) {
	slashed := strings.ReplaceAll(p, `\`, "/")
	clean := path.Clean(slashed)
	switch {
	case strings.TrimSpace(p) == "":
		c.add(field, "must not be empty", fix)
	case path.IsAbs(slashed) || isDriveLetter(slashed):
		c.add(field, fmt.Sprintf("%q is an absolute path; paths are relative to the project directory", p), fix)
	case clean == ".." || strings.HasPrefix(clean, "../"):
		c.add(field, fmt.Sprintf("%q points outside the project directory", p), fix)
	}
}

// isDriveLetter reports whether p starts like a Windows absolute path ("C:").
func isDriveLetter(p string) bool {
	return len(p) > 1 && p[1] == ':' && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

// repository checks an OCI repository written as HOST[:PORT]/PATH, without tag or digest.
func (c *checker) repository(field, ref, fix string) {
	host, repo, hasSlash := strings.Cut(ref, "/")
	switch {
	case ref == "":
		c.add(field, "must not be empty", fix)
	case strings.Contains(ref, "://"):
		c.add(field, fmt.Sprintf("%q has a URL scheme; write the repository without it", ref), fix)
	case strings.ContainsAny(ref, " \t\r\n@"), !hasSlash, host == "", repo == "", strings.HasSuffix(ref, "/"),
		strings.Contains(ref[strings.LastIndex(ref, "/"):], ":"):
		c.add(field, fmt.Sprintf("%q is not a repository of the form HOST[:PORT]/PATH (without tag or digest)", ref), fix)
	}
}

// debPackages checks "name" or "name=version" entries, each name listed once. resolved
// is for the lock's list of installed packages: versions required, and a name may repeat
// (a package installed for several architectures).
func (c *checker) debPackages(field string, pkgs []string, resolved bool) {
	const fix = `write a Debian package name (lowercase letters, digits, '+', '-', '.'), optionally "=version", e.g. bash=5.2.15-2+b7`
	first := map[string]string{}
	for i, entry := range pkgs {
		item := yamlstrict.Index(field, i)
		name, version, hasVersion := strings.Cut(entry, "=")
		switch {
		case !debNameRE.MatchString(name):
			c.add(item, fmt.Sprintf("%q is not a valid Debian package name", name), fix)
			continue
		case hasVersion && !debVersionRE.MatchString(version):
			c.add(item, fmt.Sprintf("%q is not a valid Debian version", version), fix)
		case resolved && !hasVersion:
			c.add(item, fmt.Sprintf("package %q has no version", name), `write "name=version"; let kitbash write Kitbash.lock rather than editing it`)
		}
		if prev, dup := first[name]; dup && !resolved {
			c.add(item, fmt.Sprintf("package %q is listed twice (first at %s)", name, c.where(prev)), "remove one of them")
			continue
		}
		first[name] = item
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
