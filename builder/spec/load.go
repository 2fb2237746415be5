package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Spec is a package spec read from disk.
type Spec struct {
	Package
	Doc    *yamlstrict.Doc // positions of its fields, for later messages (graph problems)
	File   string          // the file as named in messages
	Dir    string          // absolute package folder
	Digest string          // sha256 of the file's bytes
}

// Parse decodes and validates one package.yaml (file names it in messages).
func Parse(file string, data []byte) (*Spec, error) {
	var p Package
	doc, err := yamlstrict.Decode(file, data, &p)
	sum := sha256.Sum256(data)
	s := &Spec{Package: p, Doc: doc, File: file, Digest: "sha256:" + hex.EncodeToString(sum[:])}
	return s, yamlstrict.Combine(err, p.Validate(doc))
}

// LoadAll reads every specs/<name>/package.yaml of the project at root (absolute)
// and returns them sorted by name, with every problem of every spec at once. shown is
// the project directory as the user named it, used in file names of messages.
func LoadAll(root, shown string) ([]*Spec, error) {
	dir := filepath.Join(root, Dir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read specs: %w", err)
	}
	var specs []*Spec
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		s, err := Load(root, shown, e.Name())
		if s == nil {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		specs = append(specs, s)
		if err != nil {
			errs = append(errs, err)
		}
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs, yamlstrict.Combine(errs...)
}

// Load reads specs/<folder>/package.yaml of the project at root. It returns nil and no
// error when the folder has no package.yaml.
func Load(root, shown, folder string) (*Spec, error) {
	abs := filepath.Join(root, Dir, folder)
	data, err := os.ReadFile(filepath.Join(abs, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	file := filepath.Join(shown, Dir, folder, FileName)
	s, err := Parse(file, data)
	s.Dir = abs
	c := &checker{doc: s.Doc}
	if s.Name != "" && s.Name != folder {
		c.add("name", fmt.Sprintf("package %q is in folder specs/%s", s.Name, folder), fmt.Sprintf("write name: %s, or rename the folder to specs/%s", folder, s.Name))
	}
	s.checkPaths(c, root)
	return s, yamlstrict.Combine(err, c.ps.Err())
}

// checkPaths checks that path sources exist and stay inside the project.
func (s *Spec) checkPaths(c *checker, root string) {
	for i, src := range s.Sources {
		if src.Kind() != "path" || strings.HasPrefix(src.Path, "/") {
			continue
		}
		field := yamlstrict.Index("sources", i) + ".path"
		rel, ok := s.ProjectPath(root, src)
		if !ok {
			c.add(field, fmt.Sprintf("%q is outside the project", src.Path), "keep path sources inside the project directory")
			continue
		}
		if _, err := os.Lstat(filepath.Join(root, rel)); err != nil {
			c.add(field, fmt.Sprintf("%q does not exist (looked for %s)", src.Path, filepath.Join(s.Dir, filepath.FromSlash(src.Path))), "create it, or fix the path (relative to the package folder)")
		}
	}
}

// ProjectPath returns a path source's location relative to the project root (slash
// separated), and false when it leaves the project.
func (s *Spec) ProjectPath(root string, src Source) (string, bool) {
	abs := filepath.Join(s.Dir, filepath.FromSlash(src.Path))
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == "." {
		return "", false
	}
	return filepath.ToSlash(rel), true
}
