package service

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultDir is where packages install service files.
const DefaultDir = "/usr/lib/kitbash/services"

// Load reads every <name>.json in dir (other files are ignored) and returns the
// services in dependency order (see Order). Every problem is reported at once.
func Load(dir string) ([]*Service, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read service files: %w", err)
	}
	var svcs []*Service
	var errs []error
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("read service file: %w", err))
			continue
		}
		s, err := Parse(path, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		svcs = append(svcs, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return Order(svcs)
}

// Order returns svcs so that every service comes after all it depends on (after and
// requires); among services free to go, names sort. A dependency that is not a service,
// a duplicate name or a cycle is an error naming the files.
func Order(svcs []*Service) ([]*Service, error) {
	byName := make(map[string]*Service, len(svcs))
	var errs []error
	for _, s := range svcs {
		if prev := byName[s.Name]; prev != nil {
			errs = append(errs, fmt.Errorf("%s: service %q is also defined by %s", s.Path, s.Name, prev.Path))
			continue
		}
		byName[s.Name] = s
	}
	for _, s := range svcs {
		for _, f := range []struct {
			field string
			deps  []string
		}{{"after", s.After}, {"requires", s.Requires}} {
			for i, d := range f.deps {
				if byName[d] == nil {
					errs = append(errs, fmt.Errorf("%s: %s[%d]: %q is not a service (no %s); fix: install it or remove the entry",
						s.Path, f.field, i, d, filepath.Join(filepath.Dir(s.Path), d+".json")))
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	// Kahn's algorithm, smallest free name first.
	waiting := make(map[string]int, len(names))
	dependents := make(map[string][]string)
	for _, n := range names {
		deps := byName[n].Deps()
		waiting[n] = len(deps)
		for _, d := range deps {
			dependents[d] = append(dependents[d], n)
		}
	}
	var free, out []string
	for _, n := range names {
		if waiting[n] == 0 {
			free = append(free, n)
		}
	}
	for len(free) > 0 {
		slices.Sort(free)
		n := free[0]
		free = free[1:]
		out = append(out, n)
		for _, d := range dependents[n] {
			if waiting[d]--; waiting[d] == 0 {
				free = append(free, d)
			}
		}
	}
	if len(out) < len(names) {
		return nil, cycleError(byName, waiting)
	}
	ordered := make([]*Service, len(out))
	for i, n := range out {
		ordered[i] = byName[n]
	}
	return ordered, nil
}

// cycleError finds one cycle among the services still waiting and names its files.
func cycleError(byName map[string]*Service, waiting map[string]int) error {
	var start string
	for n, w := range waiting {
		if w > 0 && (start == "" || n < start) {
			start = n
		}
	}
	// Walk dependencies that are still waiting; the walk must revisit a node.
	var path []string
	seen := map[string]int{}
	for n := start; ; {
		if i, ok := seen[n]; ok {
			path = append(path[i:], n)
			break
		}
		seen[n] = len(path)
		path = append(path, n)
		next := ""
		for _, d := range byName[n].Deps() {
			if waiting[d] > 0 {
				next = d
				break
			}
		}
		if next == "" { // cannot happen: a waiting service waits for a waiting one
			break
		}
		n = next
	}
	files := make([]string, len(path))
	for i, n := range path {
		files[i] = byName[n].Path
	}
	return fmt.Errorf("dependency cycle: %s; fix: remove one of these after/requires entries", strings.Join(files, " -> "))
}
