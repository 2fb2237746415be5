package project

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Validate checks the values of a decoded Kitbash.yaml and returns every problem at once
// as yamlstrict.Problems, located with doc (the *Doc from yamlstrict.Decode; nil gives
// problems without file and line).
func (p *Project) Validate(doc *yamlstrict.Doc) error {
	c := &checker{doc: doc}
	if p.SchemaVersion != SchemaVersion {
		c.add("schema-version", fmt.Sprintf("unsupported schema-version %d", p.SchemaVersion),
			fmt.Sprintf("this kitbash supports schema-version %d only; write schema-version: %d, or use a kitbash that reads this version", SchemaVersion, SchemaVersion))
	}
	c.match("release-version", p.ReleaseVersion, semverRE, "a semantic version (MAJOR.MINOR.PATCH[-pre])", semverFix)
	p.SDK.validate(c)
	for _, id := range sortedKeys(p.Vendors) {
		p.Vendors[id].validate(c, id)
	}
	p.validateKits(c)
	if p.Signing != nil {
		c.relPath("signing.key", p.Signing.Key, "write the cosign private key file relative to the project directory, e.g. keys/cosign.key")
		if e := p.Signing.PasswordEnv; e != "" && !envNameRE.MatchString(e) {
			c.add("signing.password-env", fmt.Sprintf("%q is not an environment variable name", e),
				"use letters, digits and '_', not starting with a digit, e.g. KITBASH_SIGNING_PASSWORD")
		}
	}
	p.Cache.validate(c)
	for _, pkg := range sortedKeys(p.Prefer) {
		c.ident(yamlstrict.Join("prefer", pkg), p.Prefer[pkg], "name the kit whose copy of "+pkg+" wins, e.g. core")
	}
	if l := p.Sources.Lookaside; l != "" {
		if u, err := url.Parse(l); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.add("sources.lookaside", fmt.Sprintf("%q is not an http(s) URL", l), "write a base URL, e.g. https://sources.example.org/kitbash, or remove the line")
		}
	}
	return c.ps.Err()
}

func (s SDK) validate(c *checker) {
	c.ident("sdk.name", s.Name, identFix)
	c.match("sdk.suite", s.Suite, suiteRE, "a Debian suite name", "name a Debian suite, e.g. suite: bookworm")
	c.match("sdk.go-version", s.GoVersion, goVersionRE, "a Go release version (1.N or 1.N.M)", "write e.g. go-version: 1.26.8")
	if len(s.Packages) == 0 {
		c.add("sdk.packages", "must list at least one package", "list the Debian packages of the SDK, e.g. - build-essential")
	}
	c.debPackages("sdk.packages", s.Packages, false)
	if s.Registry != "" {
		c.repository("sdk.registry", s.Registry, "write HOST[:PORT]/PATH, e.g. registry: 127.0.0.1:5000/kitbash/sdk, or remove the line")
	}
}

func (v Vendor) validate(c *checker, id string) {
	field := yamlstrict.Join("vendors", id)
	c.match(field, id, vendorIDRE, "a valid vendor id", "use lowercase letters, digits and '-', e.g. core")
	c.repository(field+".registry", v.Registry, "write HOST[:PORT]/PATH, e.g. registry: 127.0.0.1:5000/kitbash")
	for i, k := range v.Keys {
		c.relPath(yamlstrict.Index(field+".keys", i), k, "write the public key file relative to the project directory, e.g. keys/core.pub")
	}
}

func (p *Project) validateKits(c *checker) {
	first := map[string]string{}
	for i, k := range p.Kits {
		field := yamlstrict.Index("kits", i)
		c.ident(field+".name", k.Name, "name the kit with lowercase letters, digits, '.', '_' and '-', e.g. core")
		c.match(field+".version", k.Version, semverRE, "a semantic version (MAJOR.MINOR.PATCH[-pre])", semverFix)
		if _, ok := p.Vendors[k.Vendor]; !ok {
			c.add(field+".vendor", fmt.Sprintf("unknown vendor %q", k.Vendor), vendorFix(k.Vendor, p.Vendors))
		}
		if prev, dup := first[k.Name]; dup && k.Name != "" {
			c.add(field+".name", fmt.Sprintf("kit %q is listed twice (first at %s)", k.Name, c.where(prev)), "remove one of them")
			continue
		}
		first[k.Name] = field + ".name"
	}
}

func vendorFix(name string, vendors map[string]Vendor) string {
	if len(vendors) == 0 {
		return fmt.Sprintf("add a vendors: section with an entry %q (its registry and keys)", name)
	}
	return fmt.Sprintf("use one of: %s; or add %q under vendors:", strings.Join(sortedKeys(vendors), ", "), name)
}

func (cache Cache) validate(c *checker) {
	if c.doc.Has("cache.max-size") && cache.MaxSize <= 0 {
		c.add("cache.max-size", "must be greater than 0", "write a size like 20GiB, or remove the line for the default")
	}
	if cache.KeepDuration < 0 || c.doc.Has("cache.keep-duration") && cache.KeepDuration == 0 {
		c.add("cache.keep-duration", "must be a positive duration", "write a duration like 168h, or remove the line for the default")
	}
	for name, refs := range map[string][]string{"cache.import": cache.Import, "cache.export": cache.Export} {
		for i, r := range refs {
			if strings.TrimSpace(r) == "" {
				c.add(yamlstrict.Index(name, i), "must not be empty", "write a BuildKit cache ref like type=registry,ref=127.0.0.1:5000/kitbash/cache, or remove the entry")
			}
		}
	}
}

// ValidVersion reports whether v is a release version: MAJOR.MINOR.PATCH[-pre].
func ValidVersion(v string) bool { return semverRE.MatchString(v) }
