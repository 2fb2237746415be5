package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"text/template"
)

// Funcs returns the fixed function set templates may call (see the package comment).
// It is a new map on every call.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"default": defaultFunc,
		"join":    join,
		"quote":   quote,
		"toJSON":  toJSON,
		"indent":  indent,
		"lower":   strings.ToLower,
		"upper":   strings.ToUpper,
		"trim":    strings.TrimSpace,
		"replace": func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
	}
}

// defaultFunc returns v, or def when v is empty.
func defaultFunc(def, v any) any {
	if empty(v) {
		return def
	}
	return v
}

func empty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() == 0
	case reflect.Bool:
		return !rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return rv.Float() == 0
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// join joins the elements of a list of strings (or of anything printable).
func join(sep string, list any) (string, error) {
	switch l := list.(type) {
	case nil:
		return "", nil
	case []string:
		return strings.Join(l, sep), nil
	case []any:
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, sep), nil
	}
	return "", fmt.Errorf("join: expected a list, got %T", list)
}

// quote returns v's text as a JSON string.
func quote(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	return marshal(s)
}

// toJSON returns v as compact JSON.
func toJSON(v any) (string, error) { return marshal(v) }

func marshal(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("toJSON: %w", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// indent prefixes every line of s with n spaces.
func indent(n int, s string) string {
	if n <= 0 {
		return s
	}
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}
