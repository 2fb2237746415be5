package yamlstrict

import (
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

func (d *decoder) kindProblem(n *yaml.Node, t reflect.Type, field, fix string) {
	want := expected(t)
	d.add(n, field, fmt.Sprintf("expected %s, got %s", want, got(n)), fixOr(fix, genericFix(want)))
}

// expected describes what a value of Go type t looks like in YAML.
func expected(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(yamlUnmarshalerType):
		return "a valid value"
	case pt.Implements(textUnmarshalerType), t == durationType:
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return "a value"
}

// got describes what a node holds.
func got(n *yaml.Node) string {
	switch resolve(n).Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(resolve(n)) {
			return "nothing"
		}
		return quote(resolve(n).Value)
	}
	return "something else"
}

func genericFix(want string) string {
	switch want {
	case "a string":
		return "write a single value on the same line as the key; quote it if it contains \": \" or \" #\""
	case "a list":
		return `write one "- item" per line under the key, or a list like [a, b]`
	case "a mapping":
		return `write "key: value" lines indented under the key`
	case "an integer":
		return "write a whole number without quotes, e.g. 1"
	case "true or false":
		return "write true or false without quotes"
	case "a number":
		return "write a number without quotes, e.g. 1.5"
	}
	return "check the value's format"
}

func requiredFix(parent, name string) string {
	if parent == "" {
		return fmt.Sprintf("add %q at the top level", name+": ...")
	}
	return fmt.Sprintf("add %q under %q", name+": ...", parent)
}

func fixOr(fix, fallback string) string {
	if fix != "" {
		return fix
	}
	return fallback
}

// quote returns s quoted, shortened to 40 characters.
func quote(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		return strconv.Quote(string(r[:40])) + "..."
	}
	return strconv.Quote(s)
}
