package spec

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Formats of spec values (compiled once, never changed).
var (
	nameRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9._+-]*$`)
	versionRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+~:_-]*$`)
	hex64RE      = regexp.MustCompile(`^[0-9a-f]{64}$`)
	hex128RE     = regexp.MustCompile(`^[0-9a-f]{128}$`)
	debNameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	debVersionRE = regexp.MustCompile(`^([0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~:-]*$`)
	modVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$`)
	h1RE         = regexp.MustCompile(`^h1:[A-Za-z0-9+/]{43}=$`)
	fileNameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+~-]*$`)
)

const nameFix = "use lowercase letters, digits, '.', '_', '+' and '-', starting with a letter or digit, e.g. containerd"

// Validate checks the values of a decoded package.yaml and returns every problem at once
// as yamlstrict.Problems located with doc (nil gives problems without file and line).
func (p *Package) Validate(doc *yamlstrict.Doc) error {
	c := &checker{doc: doc}
	if p.SchemaVersion != SchemaVersion {
		c.add("schema-version", fmt.Sprintf("unsupported schema-version %d", p.SchemaVersion),
			fmt.Sprintf("write schema-version: %d, the only version this kitbash reads", SchemaVersion))
	}
	c.match("name", p.Name, nameRE, "a package name", nameFix)
	c.match("version", p.Version, versionRE, "a version", "write the upstream version, e.g. 1.2.3 or 20250419~deb12u2")
	if p.Release < 1 {
		c.add("release", fmt.Sprintf("release %d is not a positive number", p.Release), "start at release: 1")
	}
	if strings.TrimSpace(p.Summary) == "" || strings.Contains(p.Summary, "\n") {
		c.add("summary", "must be one non-empty line", "describe the package in one line")
	}
	if strings.TrimSpace(p.License) == "" {
		c.add("license", "must not be empty", "write the SPDX license expression, e.g. Apache-2.0")
	}
	if strings.TrimSpace(p.Build) == "" {
		c.add("build", "must not be empty", "write the build script: install into $DESTDIR")
	}
	if p.Owner != nil && (p.Owner.UID < 0 || p.Owner.GID < 0) {
		c.add("owner", fmt.Sprintf("owner %d:%d is negative", p.Owner.UID, p.Owner.GID), "write numeric ids from 0")
	}
	c.names("build-requires", p.BuildRequires)
	c.names("requires", p.Requires)
	c.names("provides", p.Provides)
	for i, r := range p.BuildRequires {
		if r == p.Name && r != "" {
			c.add(yamlstrict.Index("build-requires", i), fmt.Sprintf("package %q build-requires itself", r), "remove it")
		}
	}
	dests := map[string]string{}
	for i, s := range p.Sources {
		field := yamlstrict.Index("sources", i)
		s.validate(c, field)
		if d := s.DestName(); d != "" && s.Kind() != "" {
			if prev, dup := dests[d]; dup {
				c.add(field, fmt.Sprintf("two sources land at $SRC/%s (the other is %s)", d, prev), "give one of them another dest: or name:")
			}
			dests[d] = field
		}
	}
	return c.ps.Err()
}

func (s Source) validate(c *checker, field string) {
	set := 0
	for _, v := range []string{s.Path, s.URL, s.Apt, s.Gomod} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		c.add(field, fmt.Sprintf("a source has exactly one of path, url, apt, gomod (this one has %d)", set),
			"write one of: path: FILE | url: URL with sha256: | apt: PACKAGE with version: and sha256: | gomod: MODULE with version: and h1:")
		return
	}
	kind := s.Kind()
	only := map[string][]string{
		"path":  {"path", "dest"},
		"url":   {"url", "sha256", "sha512", "name"},
		"apt":   {"apt", "version", "sha256"},
		"gomod": {"gomod", "version", "h1"},
	}[kind]
	for _, f := range []struct {
		name, v string
	}{{"dest", s.Dest}, {"sha256", s.SHA256}, {"sha512", s.SHA512}, {"name", s.Name}, {"h1", s.H1}, {"version", s.Version}} {
		if f.v != "" && !contains(only, f.name) {
			c.add(field+"."+f.name, fmt.Sprintf("%s does not apply to a %s source", f.name, kind), "remove it; a "+kind+" source takes "+strings.Join(only, ", "))
		}
	}
	switch kind {
	case "path":
		c.relPath(field+".path", s.Path, true)
		if s.Dest != "" {
			c.relPath(field+".dest", s.Dest, false)
		}
	case "url":
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.add(field+".url", fmt.Sprintf("%q is not an http(s) URL", s.URL), "write the full upstream URL, e.g. https://example.org/foo-1.0.tar.gz")
		}
		c.hash(field+".sha256", s.SHA256, hex64RE, "sha256", 64, true)
		if s.SHA512 != "" {
			c.hash(field+".sha512", s.SHA512, hex128RE, "sha512", 128, false)
		}
		if s.Name != "" && !fileNameRE.MatchString(s.Name) {
			c.add(field+".name", fmt.Sprintf("%q is not a plain file name", s.Name), "write a file name without slashes, e.g. foo-1.0.tar.gz")
		}
	case "apt":
		c.match(field+".apt", s.Apt, debNameRE, "a Debian package name", "write the binary package name, e.g. apt: ca-certificates")
		c.match(field+".version", s.Version, debVersionRE, "a Debian version", "write the exact version from `apt-cache policy "+s.Apt+"`")
		c.hash(field+".sha256", s.SHA256, hex64RE, "sha256", 64, true)
	case "gomod":
		if strings.ContainsAny(s.Gomod, "@ \\") || strings.HasPrefix(s.Gomod, "/") || strings.Contains(s.Gomod, "..") || !strings.Contains(s.Gomod, ".") {
			c.add(field+".gomod", fmt.Sprintf("%q is not a Go module path", s.Gomod), "write the module path without version, e.g. gomod: github.com/opencontainers/runc")
		}
		c.match(field+".version", s.Version, modVersionRE, "a module version", "write the module version, e.g. version: v1.2.3")
		c.match(field+".h1", s.H1, h1RE, "a go.sum h1 hash", "copy the h1: hash from go.sum or `go mod download -json "+s.Gomod+"@"+s.Version+"` (field Sum)")
	}
}

// DestName is where the source appears under $SRC ("" when it is not valid).
func (s Source) DestName() string {
	switch s.Kind() {
	case "path":
		if s.Dest != "" {
			return path.Clean(s.Dest)
		}
		p := path.Clean(s.Path)
		for strings.HasPrefix(p, "../") {
			p = strings.TrimPrefix(p, "../")
		}
		return p
	case "url":
		if s.Name != "" {
			return s.Name
		}
		if u, err := url.Parse(s.URL); err == nil {
			return path.Base(u.Path)
		}
	case "gomod":
		return strings.ReplaceAll(s.Gomod, "/", "_") + "@" + s.Version
	case "apt":
		return "apt:" + s.Apt // apt names its file; two equal packages still collide
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
