package kit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// SpecFile is the file of each kit folder, kits/<name>/kit.yaml.
const (
	SpecDir    = "kits"
	SpecFile   = "kit.yaml"
	SpecSchema = 1
)

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	semverRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)
	pkgRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9._+-]*$`)
)

// Spec is the content of kits/<name>/kit.yaml: which packages a kit carries. The kit
// also carries their runtime requirements, except those other kits provide.
type Spec struct {
	SchemaVersion int      `yaml:"schema-version" required:"true" fix:"write schema-version: 1"`
	Name          string   `yaml:"name" required:"true" fix:"name the kit after its folder, e.g. name: core"`
	Version       string   `yaml:"version" required:"true" fix:"write a semantic version, e.g. version: 0.1.0"`
	Summary       string   `yaml:"summary" required:"true" fix:"describe the kit in one line"`
	Packages      []string `yaml:"packages" required:"true" fix:"list the packages the kit carries, e.g. packages: [kernel, containerd]"`
}

// LoadedSpec is a kit spec read from disk.
type LoadedSpec struct {
	Spec
	Doc  *yamlstrict.Doc
	File string // as named in messages
}

// Validate checks a decoded kit.yaml and returns every problem at once.
func (s *Spec) Validate(doc *yamlstrict.Doc) error {
	var ps yamlstrict.Problems
	add := func(field, msg, fix string) { ps.Add(doc.Problem(field, msg, fix)) }
	if s.SchemaVersion != SpecSchema {
		add("schema-version", fmt.Sprintf("unsupported schema-version %d", s.SchemaVersion), "write schema-version: 1")
	}
	if !nameRE.MatchString(s.Name) {
		add("name", fmt.Sprintf("%q is not a kit name", s.Name), "use lowercase letters, digits, '.', '_' and '-', e.g. core")
	}
	if !semverRE.MatchString(s.Version) {
		add("version", fmt.Sprintf("%q is not a semantic version", s.Version), "write MAJOR.MINOR.PATCH[-pre], e.g. 0.1.0")
	}
	if strings.TrimSpace(s.Summary) == "" {
		add("summary", "must not be empty", "describe the kit in one line")
	}
	if len(s.Packages) == 0 {
		add("packages", "a kit carries at least one package", "list package names, e.g. packages: [kernel]")
	}
	seen := map[string]bool{}
	for i, p := range s.Packages {
		f := yamlstrict.Index("packages", i)
		switch {
		case !pkgRE.MatchString(p):
			add(f, fmt.Sprintf("%q is not a package name", p), "write the name of a spec in specs/")
		case seen[p]:
			add(f, fmt.Sprintf("%q is listed twice", p), "remove one of them")
		}
		seen[p] = true
	}
	return ps.Err()
}

// LoadSpecs reads every kits/<name>/kit.yaml of the project at root, sorted by name,
// with every problem at once; shown names the project directory in messages.
func LoadSpecs(root, shown string) ([]*LoadedSpec, error) {
	entries, err := os.ReadDir(filepath.Join(root, SpecDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read kits: %w", err)
	}
	var out []*LoadedSpec
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, SpecDir, e.Name(), SpecFile))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read kit spec: %w", err)
		}
		file := filepath.Join(shown, SpecDir, e.Name(), SpecFile)
		var s Spec
		doc, derr := yamlstrict.Decode(file, data, &s)
		verr := s.Validate(doc)
		if s.Name != "" && s.Name != e.Name() {
			var ps yamlstrict.Problems
			ps.Add(doc.Problem("name", fmt.Sprintf("kit %q is in folder kits/%s", s.Name, e.Name()), fmt.Sprintf("write name: %s, or rename the folder", e.Name())))
			verr = yamlstrict.Combine(verr, ps.Err())
		}
		if err := yamlstrict.Combine(derr, verr); err != nil {
			errs = append(errs, err)
		}
		out = append(out, &LoadedSpec{Spec: s, Doc: doc, File: file})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, yamlstrict.Combine(errs...)
}
