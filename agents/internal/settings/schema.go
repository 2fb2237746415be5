package settings

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Type is the type of a setting.
type Type string

// The setting types.
const (
	String       Type = "string"
	Int          Type = "int"
	Bool         Type = "bool"
	ListOfString Type = "list-of-string"
	MapOfString  Type = "map-of-string"
)

// Decl is one declared setting.
type Decl struct {
	Key         string
	Type        Type
	Default     any   // canonical value; nil when the declaration has none
	Allowed     []any // canonical scalar values; empty means any
	Pattern     *regexp.Regexp
	Min, Max    *int64
	Description string
	File        string // the declaring file
}

// Template is one declared configuration file.
type Template struct {
	Source  string // absolute path of the template text
	Dest    string // absolute path of the rendered file (below the render root)
	Mode    fs.FileMode
	Uses    []string // selectors as declared
	Keys    []string // the declared keys the selectors resolve to, sorted
	Restart []string
	File    string // the declaring file
}

// Schema is the union of all declarations. It is immutable once built.
type Schema struct {
	decls     map[string]*Decl
	prefixes  map[string]bool // every proper prefix of a declared key
	keys      []string        // sorted declared keys
	variant   Values
	templates []Template
}

// File is one declaration file: its path (used to resolve relative template sources and
// in messages) and its contents.
type File struct {
	Path string
	Data []byte
}

// fileJSON is the on-disk shape of a declaration file.
type fileJSON struct {
	Settings  map[string]declJSON        `json:"settings"`
	Defaults  map[string]json.RawMessage `json:"defaults"`
	Templates []templateJSON             `json:"templates"`
}

type declJSON struct {
	Type        string            `json:"type"`
	Default     json.RawMessage   `json:"default"`
	Allowed     []json.RawMessage `json:"allowed"`
	Pattern     string            `json:"pattern"`
	Min         *int64            `json:"min"`
	Max         *int64            `json:"max"`
	Description string            `json:"description"`
}

type templateJSON struct {
	Source  string   `json:"source"`
	Dest    string   `json:"dest"`
	Mode    string   `json:"mode"`
	Uses    []string `json:"uses"`
	Restart []string `json:"restart"`
}

var (
	segmentRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	serviceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]*$`)
)

// LoadSchema reads every *.json file in dir, in lexical order, and builds the schema.
func LoadSchema(dir string) (*Schema, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("settings schema %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("settings schema: %w", err)
	}
	sort.Strings(names)
	files := make([]File, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("settings schema: %w", err)
		}
		files = append(files, File{Path: n, Data: b})
	}
	return NewSchema(files...)
}

// NewSchema builds a schema from declaration files. The error, if any, is Problems
// with one entry per mistake, each path naming the file and the key.
func NewSchema(files ...File) (*Schema, error) {
	s := &Schema{decls: map[string]*Decl{}, prefixes: map[string]bool{}, variant: Values{}}
	var probs Problems
	parsed := make([]fileJSON, len(files))
	for i, f := range files {
		fj, err := parseFile(f.Data)
		if err != nil {
			probs = append(probs, Problem{Path: f.Path, Reason: err.Error()})
			continue
		}
		parsed[i] = fj
		for key, dj := range fj.Settings {
			p := f.Path + ": " + key
			if old, ok := s.decls[key]; ok {
				probs = append(probs, Problem{Path: p, Reason: "already declared by " + old.File})
				continue
			}
			d, ps := newDecl(key, dj)
			if len(ps) > 0 {
				for _, pr := range ps {
					probs = append(probs, Problem{Path: p, Reason: pr})
				}
				continue
			}
			d.File = f.Path
			s.decls[key] = d
		}
	}
	for key := range s.decls {
		segs := strings.Split(key, ".")
		for i := 1; i < len(segs); i++ {
			s.prefixes[strings.Join(segs[:i], ".")] = true
		}
		s.keys = append(s.keys, key)
	}
	sort.Strings(s.keys)
	for _, key := range s.keys {
		if s.prefixes[key] {
			probs = append(probs, Problem{Path: s.decls[key].File + ": " + key,
				Reason: "is both a setting and a prefix of other settings"})
		}
	}
	variantFrom := map[string]string{}
	dests := map[string]string{}
	for i, f := range files {
		fj := parsed[i]
		for _, key := range sortedKeys(fj.Defaults) {
			p := f.Path + ": defaults: " + key
			d, ok := s.decls[key]
			if !ok {
				probs = append(probs, Problem{Path: p, Reason: "unknown setting"})
				continue
			}
			if other, ok := variantFrom[key]; ok {
				probs = append(probs, Problem{Path: p, Reason: "variant default already set by " + other})
				continue
			}
			raw, err := decodeJSON(fj.Defaults[key])
			if err != nil {
				probs = append(probs, Problem{Path: p, Reason: err.Error()})
				continue
			}
			v, ps := d.Check(key, raw)
			if len(ps) > 0 {
				for _, pr := range ps {
					probs = append(probs, Problem{Path: f.Path + ": defaults: " + pr.Path, Reason: pr.Reason})
				}
				continue
			}
			variantFrom[key] = f.Path
			s.variant[key] = v
		}
		for j, tj := range fj.Templates {
			t, ps := s.newTemplate(f.Path, tj)
			for _, pr := range ps {
				probs = append(probs, Problem{Path: fmt.Sprintf("%s: templates[%d]", f.Path, j), Reason: pr})
			}
			if len(ps) > 0 {
				continue
			}
			if other, ok := dests[t.Dest]; ok {
				probs = append(probs, Problem{Path: fmt.Sprintf("%s: templates[%d]", f.Path, j),
					Reason: fmt.Sprintf("dest %s is already rendered by a template of %s", t.Dest, other)})
				continue
			}
			dests[t.Dest] = f.Path
			s.templates = append(s.templates, t)
		}
	}
	if len(probs) > 0 {
		return nil, probs.sorted()
	}
	return s, nil
}

// parseFile decodes one declaration file strictly: duplicate keys and unknown fields
// are errors.
func parseFile(data []byte) (fileJSON, error) {
	if _, err := decodeJSON(data); err != nil { // catches duplicate keys and bad UTF-8
		return fileJSON{}, err
	}
	var fj fileJSON
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fj); err != nil {
		return fileJSON{}, fmt.Errorf("invalid declaration file: %w", err)
	}
	return fj, nil
}

// newDecl checks one declaration and returns the reasons it is wrong, if any.
func newDecl(key string, dj declJSON) (*Decl, []string) {
	var errs []string
	if !ValidKey(key) {
		errs = append(errs, "invalid key: want segments of [a-z0-9][a-z0-9_-]* joined by '.'")
	}
	d := &Decl{Key: key, Type: Type(dj.Type), Min: dj.Min, Max: dj.Max, Description: dj.Description}
	switch d.Type {
	case String, Int, Bool, ListOfString, MapOfString:
	default:
		return nil, append(errs, fmt.Sprintf("unknown type %q (want string, int, bool, list-of-string or map-of-string)", dj.Type))
	}
	if dj.Pattern != "" {
		if d.Type == Int || d.Type == Bool {
			errs = append(errs, "pattern is only for string types")
		} else if re, err := regexp.Compile("^(?:" + dj.Pattern + ")$"); err != nil {
			errs = append(errs, "pattern: "+err.Error())
		} else {
			d.Pattern = re
		}
	}
	if (d.Min != nil || d.Max != nil) && d.Type != Int {
		errs = append(errs, "min and max are only for int")
	}
	if d.Min != nil && d.Max != nil && *d.Min > *d.Max {
		errs = append(errs, "min is greater than max")
	}
	scalar := d.scalar()
	for i, raw := range dj.Allowed {
		v, err := decodeJSON(raw)
		if err != nil {
			errs = append(errs, fmt.Sprintf("allowed[%d]: %v", i, err))
			continue
		}
		c, ps := scalar.Check(key, v)
		for _, p := range ps {
			errs = append(errs, fmt.Sprintf("allowed[%d]: %s", i, p.Reason))
		}
		if len(ps) == 0 {
			d.Allowed = append(d.Allowed, c)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if dj.Default != nil {
		v, err := decodeJSON(dj.Default)
		if err != nil {
			return nil, []string{"default: " + err.Error()}
		}
		if v != nil {
			c, ps := d.Check(key, v)
			for _, p := range ps {
				errs = append(errs, "default"+strings.TrimPrefix(p.Path, key)+": "+p.Reason)
			}
			d.Default = c
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return d, nil
}

// newTemplate checks one template declaration.
func (s *Schema) newTemplate(file string, tj templateJSON) (Template, []string) {
	var errs []string
	t := Template{Source: tj.Source, Dest: tj.Dest, Uses: tj.Uses, Restart: tj.Restart, File: file, Mode: 0o644}
	if t.Source == "" {
		errs = append(errs, "source is missing")
	} else if !filepath.IsAbs(t.Source) {
		t.Source = filepath.Join(filepath.Dir(file), t.Source)
	}
	if !filepath.IsAbs(t.Dest) || filepath.Clean(t.Dest) != t.Dest || t.Dest == "/" {
		errs = append(errs, fmt.Sprintf("dest %q is not a clean absolute file path", t.Dest))
	}
	if tj.Mode != "" {
		m, err := strconv.ParseUint(tj.Mode, 8, 32)
		if err != nil || m > 0o7777 {
			errs = append(errs, fmt.Sprintf("mode %q is not an octal permission like \"0644\"", tj.Mode))
		}
		t.Mode = fs.FileMode(m)
	}
	if len(t.Uses) == 0 {
		errs = append(errs, "uses is empty: list the settings the template reads")
	}
	keys := map[string]bool{}
	for _, u := range t.Uses {
		ks, err := s.Resolve(u)
		if err != nil {
			errs = append(errs, "uses: "+err.Error())
		}
		for _, k := range ks {
			keys[k] = true
		}
	}
	t.Keys = sortedKeys(keys)
	for _, svc := range t.Restart {
		if !serviceRE.MatchString(svc) {
			errs = append(errs, fmt.Sprintf("restart: invalid service name %q", svc))
		}
	}
	return t, errs
}

// ValidKey reports whether key is a well-formed dotted key.
func ValidKey(key string) bool {
	if key == "" {
		return false
	}
	for _, seg := range strings.Split(key, ".") {
		if !segmentRE.MatchString(seg) {
			return false
		}
	}
	return true
}

// Decl returns the declaration of key.
func (s *Schema) Decl(key string) (*Decl, bool) {
	d, ok := s.decls[key]
	return d, ok
}

// Keys returns every declared key, sorted.
func (s *Schema) Keys() []string { return append([]string(nil), s.keys...) }

// Templates returns the declared templates in declaration order (files in lexical order).
func (s *Schema) Templates() []Template { return append([]Template(nil), s.templates...) }

// Defaults returns the declaration defaults (the lowest layer).
func (s *Schema) Defaults() Values {
	v := Values{}
	for k, d := range s.decls {
		if d.Default != nil {
			v[k] = d.Default
		}
	}
	return v
}

// VariantDefaults returns the variant's defaults (the "defaults" sections).
func (s *Schema) VariantDefaults() Values {
	v := make(Values, len(s.variant))
	for k, x := range s.variant {
		v[k] = x
	}
	return v
}

// Resolve returns the declared keys a selector names, sorted: a declared key, a prefix
// of declared keys ("net" or "net.*"). Anything else is an error.
func (s *Schema) Resolve(sel string) ([]string, error) {
	prefix := strings.TrimSuffix(sel, ".*")
	if _, ok := s.decls[prefix]; ok && prefix == sel {
		return []string{sel}, nil
	}
	if !s.prefixes[prefix] {
		return nil, fmt.Errorf("%q: no such setting", sel)
	}
	var out []string
	for _, k := range s.keys {
		if strings.HasPrefix(k, prefix+".") {
			out = append(out, k)
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
