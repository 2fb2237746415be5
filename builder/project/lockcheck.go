package project

import (
	"fmt"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Validate checks the values of a decoded Kitbash.lock and returns every problem at once
// as yamlstrict.Problems located with doc (nil: no file and line).
func (l *Lock) Validate(doc *yamlstrict.Doc) error {
	c := &checker{doc: doc}
	if l.SchemaVersion != SchemaVersion {
		c.add("schema-version", fmt.Sprintf("unsupported schema-version %d", l.SchemaVersion),
			fmt.Sprintf("this kitbash supports schema-version %d only; delete %s and let kitbash write it again", SchemaVersion, LockName))
	}
	if !l.SDK.IsZero() {
		c.ident("sdk.name", l.SDK.Name, identFix)
		c.match("sdk.digest", l.SDK.Digest, digestRE, "a sha256 digest", digestFix)
		c.match("sdk.inputs", l.SDK.Inputs, digestRE, "a sha256 digest", digestFix)
		if strings.ContainsAny(l.SDK.Ref, " \t\r\n") {
			c.add("sdk.ref", fmt.Sprintf("%q is not an image reference", l.SDK.Ref), "write a reference like 127.0.0.1:5000/kitbash/sdk@sha256:..., or \"\"")
		}
		c.debPackages("sdk.packages", l.SDK.Packages, true)
	}
	first := map[string]string{}
	for i, k := range l.Kits {
		field := yamlstrict.Index("kits", i)
		c.ident(field+".name", k.Name, identFix)
		c.match(field+".version", k.Version, semverRE, "a semantic version (MAJOR.MINOR.PATCH[-pre])", semverFix)
		c.match(field+".vendor", k.Vendor, vendorIDRE, "a valid vendor id", "use lowercase letters, digits and '-', e.g. core")
		if strings.TrimSpace(k.Source) == "" {
			c.add(field+".source", "must not be empty", "write the reference the kit was fetched from")
		}
		c.match(field+".digest", k.Digest, digestRE, "a sha256 digest", digestFix)
		if prev, dup := first[k.Name]; dup && k.Name != "" {
			c.add(field+".name", fmt.Sprintf("kit %q is locked twice (first at %s)", k.Name, c.where(prev)), "remove one of them")
			continue
		}
		first[k.Name] = field + ".name"
	}
	return c.ps.Err()
}
