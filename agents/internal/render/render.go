// Package render turns settings into configuration files with Go text/template.
//
// Templates run with missingkey=error and a fixed set of functions, nothing else:
//
//	default D V      V, or D when V is empty (nil, "", false, 0, an empty list or map);
//	                 pipeline form: {{ .motd | default "hello" }}
//	join SEP L       the elements of a list joined with SEP: {{ .ntp.servers | join " " }}
//	quote V          V's text as a double-quoted string with JSON escapes (also a valid
//	                 TOML basic string and YAML double-quoted scalar)
//	toJSON V         V as compact JSON (map keys sorted, no HTML escaping)
//	indent N S       S with every line prefixed by N spaces
//	lower S, upper S S in lower or upper case
//	trim S           S without leading and trailing white space
//	replace OLD NEW S  S with every OLD replaced by NEW
//
// Rendering is all or nothing per call to Render: every template is executed into
// memory first, and only if all succeed are files written, each atomically (temp file,
// fsync, rename, fsync of the directory). Files whose bytes and mode are already right
// are left alone, and only the services of files that changed are returned.
package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"text/template"

	"github.com/kitbash-dev/kitbash/agents/internal/datastore"
)

// Template is a parsed template.
type Template struct {
	t *template.Template
}

// Parse parses template text; name appears in error messages.
func Parse(name, text string) (*Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(Funcs()).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return &Template{t: t}, nil
}

// ParseFile reads and parses the template at path.
func ParseFile(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return Parse(path, string(b))
}

// Execute renders the template with data.
func (t *Template) Execute(data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := t.t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return buf.Bytes(), nil
}

// File is one file to render.
type File struct {
	Template *Template
	Data     any
	Dest     string // absolute path, joined under Renderer.Root
	Mode     fs.FileMode
	Restart  []string // services to restart when the file changes
}

// Result says what a Render call changed.
type Result struct {
	Written []string // Dest of every file written, in the order given
	Restart []string // services of the written files, sorted, without duplicates
}

// Renderer writes rendered files below Root through FS.
type Renderer struct {
	Root string       // "/" in the running system, a temp dir in tests
	FS   datastore.FS // nil means the real file system
}

// Render executes every template, then writes the files whose contents or mode
// differ from what is on disk. When a template fails nothing is written. When a write
// fails, the result lists what was written before it, with the error.
func (r Renderer) Render(files []File) (Result, error) {
	out := make([][]byte, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		if !filepath.IsAbs(f.Dest) || seen[f.Dest] {
			return Result{}, fmt.Errorf("render %s: destination not absolute or listed twice", f.Dest)
		}
		seen[f.Dest] = true
		b, err := f.Template.Execute(f.Data)
		if err != nil {
			return Result{}, fmt.Errorf("render %s: %w", f.Dest, err)
		}
		out[i] = b
	}
	var res Result
	restart := map[string]bool{}
	for i, f := range files {
		changed, err := r.write(f.Dest, out[i], f.Mode.Perm())
		if err != nil {
			res.Restart = sorted(restart)
			return res, err
		}
		if changed {
			res.Written = append(res.Written, f.Dest)
			for _, s := range f.Restart {
				restart[s] = true
			}
		}
	}
	res.Restart = sorted(restart)
	return res, nil
}

// write stores data at dest (below Root) unless it is there already with that mode.
func (r Renderer) write(dest string, data []byte, mode fs.FileMode) (bool, error) {
	fsys := r.FS
	if fsys == nil {
		fsys = datastore.OSFS{}
	}
	root := r.Root
	if root == "" {
		root = "/"
	}
	full := filepath.Join(root, dest)
	if old, err := os.ReadFile(full); err == nil {
		if st, err := os.Lstat(full); err == nil && st.Mode().IsRegular() && st.Mode().Perm() == mode && bytes.Equal(old, data) {
			return false, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("render %s: %w", dest, err)
	}
	dir := filepath.Dir(full)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("render %s: %w", dest, err)
	}
	tmp := full + ".kitbash-tmp"
	if err := fsys.WriteFile(tmp, data, mode); err != nil {
		_ = fsys.Remove(tmp)
		return false, fmt.Errorf("render %s: write: %w", dest, err)
	}
	if err := os.Chmod(tmp, mode); err != nil { // the umask may have narrowed it
		_ = fsys.Remove(tmp)
		return false, fmt.Errorf("render %s: %w", dest, err)
	}
	if err := fsys.Rename(tmp, full); err != nil {
		_ = fsys.Remove(tmp)
		return false, fmt.Errorf("render %s: rename: %w", dest, err)
	}
	if err := fsys.SyncDir(dir); err != nil {
		return true, fmt.Errorf("render %s: sync directory: %w", dest, err)
	}
	return true, nil
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
