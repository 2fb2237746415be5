package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxDepth is how deeply JSON values may nest.
const MaxDepth = 32

// Values is a set of settings keyed by dotted key, with canonical values (see Check);
// in a patch, nil means "unset". Values are treated as immutable: the functions here
// return new maps and never modify their arguments or the slices and maps inside.
type Values map[string]any

// Merge returns the settings of the layers merged, later layers winning; a nil value
// in a layer removes the key set by earlier layers. The layers, lowest first, are:
// declaration defaults, variant defaults, user data, committed, pending.
func Merge(layers ...Values) Values {
	out := Values{}
	for _, l := range layers {
		for k, v := range l {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
	}
	return out
}

// Overlay returns a with b laid over it, keeping nil values (as a patch does).
func Overlay(a, b Values) Values {
	out := make(Values, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// Changed returns the sorted keys whose values differ between a and b.
func Changed(a, b Values) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || !reflect.DeepEqual(v, w) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Only returns the values whose keys are listed.
func (v Values) Only(keys []string) Values {
	out := Values{}
	for _, k := range keys {
		if x, ok := v[k]; ok {
			out[k] = x
		}
	}
	return out
}

// ToTree nests v along its dotted keys. nil values become JSON null leaves. Keys must
// not be prefixes of one another (a schema guarantees it).
func ToTree(v Values) map[string]any {
	root := map[string]any{}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		segs := strings.Split(k, ".")
		m := root
		for _, s := range segs[:len(segs)-1] {
			next, ok := m[s].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[s] = next
			}
			m = next
		}
		m[segs[len(segs)-1]] = v[k]
	}
	return root
}

// Decode parses a JSON settings tree strictly (one object, no duplicate keys, valid
// UTF-8, nesting at most MaxDepth, nothing after it) and checks it against the schema.
// allowNull permits null leaves, meaning "unset". It returns every problem found.
func (s *Schema) Decode(data []byte, allowNull bool) (Values, Problems) {
	v, err := decodeJSON(data)
	if err != nil {
		return nil, Problems{{"", "invalid JSON: " + err.Error()}}
	}
	tree, ok := v.(map[string]any)
	if !ok {
		return nil, Problems{{"", "expected a JSON object of settings, got " + describe(v)}}
	}
	return s.FromTree(tree, allowNull)
}

// FromTree walks a settings tree (from JSON or TOML) and checks every leaf against its
// declaration: unknown keys, wrong types, disallowed values and objects where a setting
// is expected are all reported, sorted by path.
func (s *Schema) FromTree(tree map[string]any, allowNull bool) (Values, Problems) {
	out, ps := s.Partial(tree, allowNull)
	if len(ps) > 0 {
		return nil, ps
	}
	return out, nil
}

// Partial is FromTree that also returns the settings that are valid when others are
// not; a reader of stored settings uses it to keep what it can.
func (s *Schema) Partial(tree map[string]any, allowNull bool) (Values, Problems) {
	out := Values{}
	var ps Problems
	s.walk("", tree, allowNull, out, &ps)
	return out, ps.sorted()
}

func (s *Schema) walk(prefix string, tree map[string]any, allowNull bool, out Values, ps *Problems) {
	for _, name := range sortedKeys(tree) {
		v := tree[name]
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		if !segmentRE.MatchString(name) {
			*ps = append(*ps, Problem{path, "unknown setting (invalid name)"})
			continue
		}
		if d, ok := s.decls[path]; ok {
			if v == nil {
				if !allowNull {
					*ps = append(*ps, Problem{path, "null is not a value here"})
				} else {
					out[path] = nil
				}
				continue
			}
			c, cps := d.Check(path, v)
			if len(cps) > 0 {
				*ps = append(*ps, cps...)
				continue
			}
			out[path] = c
			continue
		}
		if !s.prefixes[path] {
			*ps = append(*ps, Problem{path, "unknown setting"})
			continue
		}
		sub, ok := v.(map[string]any)
		if !ok {
			*ps = append(*ps, Problem{path, "expected an object (settings under " + path + "), got " + describe(v)})
			continue
		}
		s.walk(path, sub, allowNull, out, ps)
	}
}

// decodeJSON decodes one JSON value strictly: valid UTF-8, no duplicate object keys,
// nesting at most MaxDepth, numbers as json.Number, nothing but space after it.
func decodeJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", MaxDepth)
	}
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, errors.New("unexpected end of JSON input")
	}
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("expected an object key, got %v", kt)
				}
				if _, dup := obj[key]; dup {
					return nil, fmt.Errorf("duplicate key %q", key)
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				obj[key] = v
			}
			return obj, closeDelim(dec, '}')
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			return arr, closeDelim(dec, ']')
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string, json.Number, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func closeDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err == io.EOF {
		return errors.New("unexpected end of JSON input")
	}
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("expected %v, got %v", want, tok)
	}
	return nil
}
