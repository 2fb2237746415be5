package kitsrc

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/spec"
)

// Project is what a kit's rebuild needs from the project at Root.
type Project struct {
	Root  string       // the project directory, absolute
	Kit   string       // the kit's name: its spec is kits/<Kit>/kit.yaml
	Specs []*spec.Spec // every package the kit's build builds: its packages and what building them needs
	Keys  []string     // the vendors' public key files, relative to Root
}

// Paths lists, relative to the project and slash-separated, sorted and without
// duplicates, what Pack must carry to rebuild the kit: the project file and lock, the
// kit's spec, the vendor keys, and each package's spec folder and path sources.
func Paths(p Project) ([]string, error) {
	if !filepath.IsAbs(p.Root) {
		return nil, fmt.Errorf("kit sources: project directory %q is not absolute", p.Root)
	}
	if p.Kit == "" {
		return nil, fmt.Errorf("kit sources: no kit name")
	}
	set := map[string]bool{
		project.FileName: true,
		project.LockName: true,
		path.Join(kit.SpecDir, p.Kit, kit.SpecFile): true,
	}
	for _, k := range p.Keys {
		rel, err := clean(k)
		if err != nil {
			return nil, fmt.Errorf("kit sources: vendor key %w", err)
		}
		set[rel] = true
	}
	for _, s := range p.Specs {
		dir, err := filepath.Rel(p.Root, s.Dir)
		if err != nil || !local(filepath.ToSlash(dir)) {
			return nil, fmt.Errorf("kit sources: package %s: spec folder %s is outside the project %s", s.Name, s.Dir, p.Root)
		}
		set[filepath.ToSlash(dir)] = true
		for i, src := range s.Sources {
			if src.Kind() != "path" {
				continue
			}
			rel, ok := s.ProjectPath(p.Root, src)
			if !ok {
				return nil, fmt.Errorf("kit sources: %s: sources[%d]: path %q is outside the project; fix: keep path sources inside the project directory", s.File, i, src.Path)
			}
			set[rel] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// clean checks a project-relative path and returns it slash-separated and clean.
func clean(p string) (string, error) {
	c := path.Clean(filepath.ToSlash(p))
	if p == "" || !local(c) {
		return "", fmt.Errorf("%q is not a path inside the project", p)
	}
	return c, nil
}

// local reports whether a clean slash path names something below the project root.
func local(p string) bool {
	return p != "." && p != ".." && !strings.HasPrefix(p, "../") && !path.IsAbs(p)
}
