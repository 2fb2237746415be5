package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Loaded is a project read from disk.
type Loaded struct {
	Dir        string // absolute project directory
	Project    Project
	Lock       Lock // zero when Kitbash.lock does not exist
	LockExists bool
}

// Load reads DIR/Kitbash.yaml and, if present, DIR/Kitbash.lock, decoding both strictly
// and validating them. Problems in either file are returned together as
// yamlstrict.Problems naming the files (as DIR/Kitbash.yaml, with DIR as given).
func Load(dir string) (*Loaded, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("loading project %s: %w", dir, err)
	}
	name := filepath.Join(dir, FileName)
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s in %s; run `kitbash init %s` to create a project", FileName, dir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("loading project: %w", err)
	}
	l := &Loaded{Dir: abs}
	var projectErr, lockErr error
	l.Project, projectErr = parseProject(name, data)

	lockName := filepath.Join(dir, LockName)
	data, err = os.ReadFile(lockName)
	switch {
	case err == nil:
		l.LockExists = true
		l.Lock, lockErr = parseLock(lockName, data)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("loading project: %w", err)
	}
	if err := yamlstrict.Combine(projectErr, lockErr); err != nil {
		return nil, err
	}
	return l, nil
}

// parseProject decodes and validates a Kitbash.yaml named file.
func parseProject(file string, data []byte) (Project, error) {
	var p Project
	doc, err := yamlstrict.Decode(file, data, &p)
	return p, yamlstrict.Combine(err, p.Validate(doc))
}

// parseLock decodes and validates a Kitbash.lock named file.
func parseLock(file string, data []byte) (Lock, error) {
	var l Lock
	doc, err := yamlstrict.Decode(file, data, &l)
	return l, yamlstrict.Combine(err, l.Validate(doc))
}

// Find walks up from start to the nearest directory containing Kitbash.yaml and returns
// it (absolute).
func Find(start string) (string, error) {
	abs, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("finding %s from %s: %w", FileName, start, err)
	}
	for dir := abs; ; {
		fi, err := os.Stat(filepath.Join(dir, FileName))
		switch {
		case err == nil && !fi.IsDir():
			return dir, nil
		case err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return "", fmt.Errorf("finding %s: %w", FileName, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no %s in %s or any parent; run `kitbash init %s` to create a project", FileName, abs, abs)
		}
		dir = parent
	}
}

// Path turns a project-relative path (as written in Kitbash.yaml, with '/') into an
// absolute one; an absolute path is returned cleaned.
func (l *Loaded) Path(rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(l.Dir, filepath.FromSlash(rel))
}
