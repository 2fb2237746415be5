package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ScaffoldOptions configures Scaffold.
type ScaffoldOptions struct {
	// Name of the project; the SDK is named "<Name>-sdk". Default: the directory's base
	// name, lowercased, with characters not allowed in names replaced by '-'.
	Name string
	// ReleaseVersion is the first release-version. Default: DefaultReleaseVersion.
	ReleaseVersion string
}

// Scaffold creates a new project in dir (created if needed): a commented Kitbash.yaml,
// a .gitignore for build/ (unless one exists) and empty specs/, kits/ and variants/
// folders (each with a .gitkeep). It refuses, writing nothing, when dir/Kitbash.yaml
// exists. It returns the paths it created, joined to dir as given.
func Scaffold(dir string, o ScaffoldOptions) ([]string, error) {
	if o.Name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("creating project in %s: %w", dir, err)
		}
		o.Name = sanitizeName(filepath.Base(abs))
	}
	if o.ReleaseVersion == "" {
		o.ReleaseVersion = DefaultReleaseVersion
	}
	if !identRE.MatchString(o.Name) || len(o.Name) > maxNameLen-4 {
		return nil, fmt.Errorf("creating project in %s: project name %q is not valid: %s", dir, o.Name, identFix)
	}
	if !semverRE.MatchString(o.ReleaseVersion) {
		return nil, fmt.Errorf("creating project in %s: release version %q is not valid: %s", dir, o.ReleaseVersion, semverFix)
	}
	projectFile := filepath.Join(dir, FileName)
	content := renderProject(o.Name, o.ReleaseVersion, DefaultSDKPackages())
	if _, err := parseProject(projectFile, content); err != nil {
		return nil, fmt.Errorf("creating project in %s: the generated %s is invalid (a kitbash bug):\n%w", dir, FileName, err)
	}
	if _, err := os.Lstat(projectFile); err == nil {
		return nil, fmt.Errorf("%s already exists; kitbash init does not overwrite a project", projectFile)
	}

	var created []string
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		created = append(created, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating project: %w", err)
	}
	if err := createFile(projectFile, content); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%s already exists; kitbash init does not overwrite a project", projectFile)
		}
		return nil, fmt.Errorf("creating project: %w", err)
	}
	created = append(created, projectFile)
	more, err := scaffoldExtras(dir)
	created = append(created, more...)
	if err != nil {
		return created, fmt.Errorf("creating project: %w", err)
	}
	return created, nil
}

// scaffoldExtras creates .gitignore and the empty folders, skipping what exists.
func scaffoldExtras(dir string) ([]string, error) {
	var created []string
	files := [][2]string{{".gitignore", gitignore}}
	for _, sub := range []string{"specs", "kits", "variants"} {
		p := filepath.Join(dir, sub)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			if err := os.Mkdir(p, 0o755); err != nil {
				return created, err
			}
			created = append(created, p)
		}
		files = append(files, [2]string{filepath.Join(sub, ".gitkeep"), ""})
	}
	for _, f := range files {
		p := filepath.Join(dir, f[0])
		err := createFile(p, []byte(f[1]))
		switch {
		case err == nil:
			created = append(created, p)
		case !errors.Is(err, fs.ErrExist):
			return created, err
		}
	}
	return created, nil
}

// createFile writes a new file, failing with fs.ErrExist if it exists.
func createFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// sanitizeName turns a directory name into a valid project name.
func sanitizeName(base string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(base) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		switch {
		case ok:
			b.WriteRune(r)
			dash = r == '-'
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-._")
	if len(name) > 64 {
		name = strings.Trim(name[:64], "-._")
	}
	if name == "" {
		return "kitbash"
	}
	return name
}
