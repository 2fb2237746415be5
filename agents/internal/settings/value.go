package settings

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a settings tree or a declaration: the path of the
// setting (dotted key, then [i] for a list element or .name for a map entry) and why.
type Problem struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Problems is every problem found; it is an error when not empty.
type Problems []Problem

// Error lists the problems, one "path: reason" per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		if p.Path == "" {
			lines[i] = p.Reason
		} else {
			lines[i] = p.Path + ": " + p.Reason
		}
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) sorted() Problems {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	return ps
}

// maxExactInt is the largest integer a float64 holds exactly (2^53).
const maxExactInt = 1 << 53

// scalar returns the declaration an element of d is checked against for "allowed".
func (d *Decl) scalar() *Decl {
	t := d.Type
	if t == ListOfString || t == MapOfString {
		t = String
	}
	return &Decl{Key: d.Key, Type: t}
}

// Check validates v (as decoded from JSON or TOML) against the declaration and returns
// its canonical form: string, int64, bool, []string or map[string]string. path is used
// in the problems.
func (d *Decl) Check(path string, v any) (any, Problems) {
	switch d.Type {
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, Problems{{path, "expected a string, got " + describe(v)}}
		}
		return s, d.checkString(path, s)
	case Int:
		n, reason := toInt(v)
		if reason != "" {
			return nil, Problems{{path, reason}}
		}
		var ps Problems
		if d.Min != nil && n < *d.Min {
			ps = append(ps, Problem{path, fmt.Sprintf("%d is less than the minimum %d", n, *d.Min)})
		}
		if d.Max != nil && n > *d.Max {
			ps = append(ps, Problem{path, fmt.Sprintf("%d is greater than the maximum %d", n, *d.Max)})
		}
		if !d.allowed(n) {
			ps = append(ps, Problem{path, fmt.Sprintf("%d is not allowed (allowed: %s)", n, d.allowedText())})
		}
		return n, ps
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, Problems{{path, "expected true or false, got " + describe(v)}}
		}
		if !d.allowed(b) {
			return nil, Problems{{path, fmt.Sprintf("%t is not allowed (allowed: %s)", b, d.allowedText())}}
		}
		return b, nil
	case ListOfString:
		return d.checkList(path, v)
	case MapOfString:
		return d.checkMap(path, v)
	}
	return nil, Problems{{path, fmt.Sprintf("unknown type %q", d.Type)}}
}

func (d *Decl) checkList(path string, v any) (any, Problems) {
	var items []any
	switch l := v.(type) {
	case []any:
		items = l
	case []string:
		for _, s := range l {
			items = append(items, s)
		}
	default:
		return nil, Problems{{path, "expected a list of strings, got " + describe(v)}}
	}
	out := make([]string, 0, len(items))
	var ps Problems
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		s, ok := it.(string)
		if !ok {
			ps = append(ps, Problem{p, "expected a string, got " + describe(it)})
			continue
		}
		ps = append(ps, d.checkString(p, s)...)
		out = append(out, s)
	}
	return out, ps
}

func (d *Decl) checkMap(path string, v any) (any, Problems) {
	m := map[string]any{}
	switch x := v.(type) {
	case map[string]any:
		m = x
	case map[string]string:
		for k, s := range x {
			m[k] = s
		}
	default:
		return nil, Problems{{path, "expected an object of strings, got " + describe(v)}}
	}
	out := make(map[string]string, len(m))
	var ps Problems
	for _, k := range sortedKeys(m) {
		p := path + "." + k
		if k == "" {
			ps = append(ps, Problem{path, "empty name in map"})
			continue
		}
		s, ok := m[k].(string)
		if !ok {
			ps = append(ps, Problem{p, "expected a string, got " + describe(m[k])})
			continue
		}
		ps = append(ps, d.checkString(p, s)...)
		out[k] = s
	}
	return out, ps
}

func (d *Decl) checkString(path, s string) Problems {
	var ps Problems
	if d.Pattern != nil && !d.Pattern.MatchString(s) {
		ps = append(ps, Problem{path, fmt.Sprintf("%s does not match the pattern %s", strconv.Quote(s), d.Pattern)})
	}
	if !d.allowed(s) {
		ps = append(ps, Problem{path, fmt.Sprintf("%s is not allowed (allowed: %s)", strconv.Quote(s), d.allowedText())})
	}
	return ps
}

func (d *Decl) allowed(v any) bool {
	if len(d.Allowed) == 0 {
		return true
	}
	for _, a := range d.Allowed {
		if a == v {
			return true
		}
	}
	return false
}

func (d *Decl) allowedText() string {
	parts := make([]string, len(d.Allowed))
	for i, a := range d.Allowed {
		if s, ok := a.(string); ok {
			parts[i] = strconv.Quote(s)
		} else {
			parts[i] = fmt.Sprint(a)
		}
	}
	return strings.Join(parts, ", ")
}

// toInt converts a decoded number to int64, or says why it cannot.
func toInt(v any) (int64, string) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return 0, "expected a 64-bit integer, got " + string(n)
		}
		return i, ""
	case int64:
		return n, ""
	case int:
		return int64(n), ""
	case float64: // documents read with encoding/json defaults
		if n != math.Trunc(n) || math.Abs(n) > maxExactInt {
			return 0, fmt.Sprintf("expected an integer, got %v", n)
		}
		return int64(n), ""
	}
	return 0, "expected an integer, got " + describe(v)
}

// describe names the JSON kind of v for messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + string(x)
	case int, int64, float64:
		return fmt.Sprintf("the number %v", x)
	case []any, []string:
		return "a list"
	case map[string]any, map[string]string:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}
