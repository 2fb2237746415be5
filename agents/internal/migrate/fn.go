package migrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// fnList names the transform functions for error messages.
const fnList = "to-string, to-int, lowercase, uppercase, replace, split, join, map"

// Fn is a parsed transform function: a name and its JSON arguments, checked.
type Fn struct {
	Name string
	Args []any // decoded JSON arguments, as many and of the types Name takes
	text string
}

// String returns the function as written in the migration file.
func (f Fn) String() string { return f.text }

// ParseFn parses NAME or NAME(ARG, ...) where each ARG is a JSON value, and checks the
// arity and argument types of NAME.
func ParseFn(s string) (Fn, error) {
	f := Fn{text: s}
	name, args, hasArgs := strings.Cut(s, "(")
	f.Name = strings.TrimSpace(name)
	if hasArgs {
		if !strings.HasSuffix(args, ")") {
			return Fn{}, fmt.Errorf("%q: missing closing parenthesis", s)
		}
		args = strings.TrimSuffix(args, ")")
		dec := json.NewDecoder(strings.NewReader("[" + args + "]"))
		dec.UseNumber()
		if err := dec.Decode(&f.Args); err != nil {
			return Fn{}, fmt.Errorf("%q: arguments must be JSON values, e.g. replace(\"-\", \"_\"): %v", s, err)
		}
	}
	want := map[string][]string{
		"to-string": nil, "to-int": nil, "lowercase": nil, "uppercase": nil,
		"replace": {"string", "string"}, "split": {"string"}, "join": {"string"}, "map": {"object"},
	}
	types, ok := want[f.Name]
	if !ok {
		return Fn{}, fmt.Errorf("unknown function %q; fix: use one of %s", f.Name, fnList)
	}
	if hasArgs && len(types) == 0 {
		return Fn{}, fmt.Errorf("%s takes no arguments; fix: write %q", f.Name, f.Name)
	}
	if len(f.Args) != len(types) {
		return Fn{}, fmt.Errorf("%s takes %d argument(s) (%s), got %d", f.Name, len(types), strings.Join(types, ", "), len(f.Args))
	}
	for i, t := range types {
		if got := jsonType(f.Args[i]); got != t {
			return Fn{}, fmt.Errorf("%s: argument %d is %s, want %s", f.Name, i+1, got, t)
		}
	}
	if f.Name == "split" && f.Args[0] == "" {
		return Fn{}, fmt.Errorf("split: the separator must not be empty")
	}
	if f.Name == "map" {
		m := f.Args[0].(map[string]any)
		for k, v := range m {
			m[k] = plainNumbers(v)
		}
	}
	return f, nil
}

// plainNumbers turns the json.Number values ParseFn decodes into float64, the type the
// datastore reads numbers as.
func plainNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = plainNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = plainNumbers(x[k])
		}
	}
	return v
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case float64, json.Number, int, int64:
		return "number"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// maxExactInt is the largest integer a float64 (a JSON number as the datastore reads
// it) holds exactly.
const maxExactInt = 1 << 53

// Apply runs the function on v and returns the new value.
func (f Fn) Apply(v any) (any, error) {
	switch f.Name {
	case "to-string":
		switch x := v.(type) {
		case string:
			return x, nil
		case bool:
			return strconv.FormatBool(x), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
	case "to-int":
		switch x := v.(type) {
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > maxExactInt {
				return nil, fmt.Errorf("not an integer")
			}
			return x, nil
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil || n > maxExactInt || n < -maxExactInt {
				return nil, fmt.Errorf("not an integer")
			}
			return float64(n), nil
		}
	case "lowercase", "uppercase", "replace", "split":
		x, ok := v.(string)
		if !ok {
			break
		}
		switch f.Name {
		case "lowercase":
			return strings.ToLower(x), nil
		case "uppercase":
			return strings.ToUpper(x), nil
		case "replace":
			return strings.ReplaceAll(x, f.Args[0].(string), f.Args[1].(string)), nil
		}
		out := []any{}
		if x != "" {
			for _, p := range strings.Split(x, f.Args[0].(string)) {
				out = append(out, p)
			}
		}
		return out, nil
	case "join":
		x, ok := v.([]any)
		if !ok {
			break
		}
		parts := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("element %d is %s, want string", i, jsonType(e))
			}
			parts[i] = s
		}
		return strings.Join(parts, f.Args[0].(string)), nil
	case "map":
		var k string
		switch x := v.(type) {
		case string:
			k = x
		case bool, float64:
			s, _ := Fn{Name: "to-string"}.Apply(x)
			k = s.(string)
		default:
			return nil, fmt.Errorf("cannot map a %s", jsonType(v))
		}
		out, ok := f.Args[0].(map[string]any)[k]
		if !ok {
			return nil, fmt.Errorf("not in the map")
		}
		return deepCopy(out), nil
	}
	return nil, fmt.Errorf("%s does not apply to a %s", f.Name, jsonType(v))
}

// deepCopy copies a JSON value (maps and lists are copied, scalars shared).
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// jsonText renders a value for an error message.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}
