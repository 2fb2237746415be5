package spec

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// checker collects the problems of a Validate call.
type checker struct {
	doc *yamlstrict.Doc
	ps  yamlstrict.Problems
}

func (c *checker) add(field, message, fix string) { c.ps.Add(c.doc.Problem(field, message, fix)) }

func (c *checker) match(field, value string, re *regexp.Regexp, what, fix string) {
	switch {
	case value == "":
		c.add(field, "must not be empty", fix)
	case !re.MatchString(value):
		c.add(field, fmt.Sprintf("%q is not %s", value, what), fix)
	}
}

// names checks a list of package names for format and repeats.
func (c *checker) names(field string, list []string) {
	seen := map[string]bool{}
	for i, n := range list {
		f := yamlstrict.Index(field, i)
		if !nameRE.MatchString(n) {
			c.add(f, fmt.Sprintf("%q is not a package name", n), nameFix)
			continue
		}
		if seen[n] {
			c.add(f, fmt.Sprintf("%q is listed twice", n), "remove one of them")
		}
		seen[n] = true
	}
}

// hash checks a hex digest; a wrong length says how long it is.
func (c *checker) hash(field, value string, re *regexp.Regexp, algo string, n int, required bool) {
	switch {
	case value == "" && required:
		c.add(field, "must not be empty", fmt.Sprintf("write the %d lowercase hex digits of the file's %s (sha%ssum FILE)", n, algo, strings.TrimPrefix(algo, "sha")))
	case value != "" && !re.MatchString(value):
		c.add(field, fmt.Sprintf("%q is not a %s (%d lowercase hex digits, this has %d characters)", value, algo, n, len(value)),
			fmt.Sprintf("write the %d lowercase hex digits of the file's %s (sha%ssum FILE)", n, algo, strings.TrimPrefix(algo, "sha")))
	}
}

// relPath checks a slash-separated relative path; up allows leading "../" elements.
func (c *checker) relPath(field, p string, up bool) {
	clean := path.Clean(p)
	switch {
	case p == "":
		c.add(field, "must not be empty", "write a relative path")
	case strings.HasPrefix(p, "/") || strings.Contains(p, "\\"):
		c.add(field, fmt.Sprintf("%q is not a relative path", p), "write a path relative to the package folder, with / separators")
	case clean == "." || (!up && (clean == ".." || strings.HasPrefix(clean, "../"))):
		c.add(field, fmt.Sprintf("%q does not name a file or folder below its base", p), "name a file or folder inside it")
	}
}
