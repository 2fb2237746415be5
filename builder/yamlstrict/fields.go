package yamlstrict

import (
	"fmt"
	"reflect"
	"strings"
)

// fieldInfo is a struct field as YAML sees it.
type fieldInfo struct {
	name     string
	index    []int
	required bool
	fix      string
}

// fieldsOf lists t's fields in declaration order, flattening `yaml:",inline"` structs.
func (d *decoder) fieldsOf(t reflect.Type) []fieldInfo {
	if fs, ok := d.fields[t]; ok {
		return fs
	}
	fs := collectFields(t, nil)
	d.fields[t] = fs
	return fs
}

func collectFields(t reflect.Type, prefix []int) []fieldInfo {
	var out []fieldInfo
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		if !sf.IsExported() || tag == "-" {
			continue
		}
		index := append(append([]int(nil), prefix...), i)
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") && sf.Type.Kind() == reflect.Struct {
			out = append(out, collectFields(sf.Type, index)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		out = append(out, fieldInfo{name: name, index: index, required: sf.Tag.Get("required") == "true", fix: sf.Tag.Get("fix")})
	}
	return out
}

func lookup(fields []fieldInfo, name string) (fieldInfo, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return fieldInfo{}, false
}

// unknownFix suggests the closest known field and lists all of them.
func unknownFix(name string, fields []fieldInfo) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	fix := "remove it, or use one of: " + strings.Join(names, ", ")
	if s := suggest(name, names); s != "" {
		fix = fmt.Sprintf("did you mean %q? otherwise %s", s, fix)
	}
	return fix
}

// suggest returns the candidate that differs from name only by case and '_' vs '-', or
// else the nearest one within edit distance 2; "" when none is close.
func suggest(name string, candidates []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }
	best, bestDist := "", 3
	for _, c := range candidates {
		if norm(c) == norm(name) {
			return c
		}
		if dist := EditDistance(strings.ToLower(name), c); dist < bestDist && dist < len(c) {
			best, bestDist = c, dist
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b, counted in bytes (for "did
// you mean" suggestions).
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
