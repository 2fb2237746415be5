package yamlstrict

import (
	"encoding"
	"fmt"
	"reflect"
	"time"

	"gopkg.in/yaml.v3"
)

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	yamlUnmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	durationType        = reflect.TypeFor[time.Duration]()
)

// unmarshaler decodes n with v's own UnmarshalYAML or UnmarshalText, if it has one.
func (d *decoder) unmarshaler(n *yaml.Node, v reflect.Value, field, fix string) bool {
	if !v.CanAddr() {
		return false
	}
	switch u := v.Addr().Interface().(type) {
	case yaml.Unmarshaler:
		if isNull(n) {
			v.SetZero()
		} else if err := u.UnmarshalYAML(n); err != nil {
			d.add(n, field, "invalid value: "+err.Error(), fixOr(fix, "check the value's format"))
		}
		return true
	case encoding.TextUnmarshaler:
		switch {
		case isNull(n):
			v.SetZero()
		case n.Kind != yaml.ScalarNode:
			d.kindProblem(n, v.Type(), field, fix)
		default:
			if err := u.UnmarshalText([]byte(n.Value)); err != nil {
				d.add(n, field, fmt.Sprintf("invalid value %s: %v", quote(n.Value), err), fixOr(fix, "check the value's format"))
			}
		}
		return true
	}
	return false
}

// scalar decodes n into a string, bool or number.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, field, fix string) {
	switch v.Kind() {
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		d.unsupported(n, v.Type(), field)
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.kindProblem(n, v.Type(), field, fix)
		return
	}
	tag := n.ShortTag()
	ok := true
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		ok = tag == "!!bool" && n.Decode(&b) == nil
		v.SetBool(b)
	case reflect.Float32, reflect.Float64:
		var f float64
		ok = (tag == "!!int" || tag == "!!float") && n.Decode(&f) == nil
		if ok && v.OverflowFloat(f) {
			d.add(n, field, fmt.Sprintf("%s is out of range for this field", n.Value), fixOr(fix, "write a smaller number"))
			return
		}
		v.SetFloat(f)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		ok = d.signed(n, v, field, fix)
	default:
		ok = d.unsigned(n, v, field, fix)
	}
	if !ok {
		d.kindProblem(n, v.Type(), field, fix)
	}
}

func (d *decoder) signed(n *yaml.Node, v reflect.Value, field, fix string) bool {
	if v.Type() == durationType {
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			return false
		}
		v.SetInt(int64(dur))
		return true
	}
	var i int64
	if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		return false
	}
	if v.OverflowInt(i) {
		bits := v.Type().Bits()
		d.add(n, field, fmt.Sprintf("%s is out of range (%d to %d)", n.Value, int64(-1)<<(bits-1), int64(1)<<(bits-1)-1),
			fixOr(fix, "write a number in that range"))
		return true
	}
	v.SetInt(i)
	return true
}

func (d *decoder) unsigned(n *yaml.Node, v reflect.Value, field, fix string) bool {
	if n.ShortTag() != "!!int" {
		return false
	}
	var u uint64
	if n.Decode(&u) != nil {
		var i int64
		if n.Decode(&i) == nil && i < 0 {
			d.add(n, field, fmt.Sprintf("expected a non-negative integer, got %s", n.Value), fixOr(fix, "write 0 or a positive whole number"))
			return true
		}
		return false
	}
	if v.OverflowUint(u) {
		d.add(n, field, fmt.Sprintf("%s is out of range (0 to %d)", n.Value, ^uint64(0)>>(64-v.Type().Bits())),
			fixOr(fix, "write a number in that range"))
		return true
	}
	v.SetUint(u)
	return true
}

func (d *decoder) unsupported(n *yaml.Node, t reflect.Type, field string) {
	d.add(n, field, fmt.Sprintf("cannot decode into Go type %s", t), "this is a bug in the program reading the file, not in the file")
}
