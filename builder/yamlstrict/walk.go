package yamlstrict

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

const (
	maxDepth = 200     // nesting, counting aliases and merges
	maxNodes = 200_000 // values decoded, counting every expansion of an alias
)

// decoder walks a yaml.v3 node tree against a Go type, collecting problems.
type decoder struct {
	doc      *Doc
	problems Problems
	fields   map[reflect.Type][]fieldInfo
	active   map[*yaml.Node]bool // aliases and merged mappings being expanded
	nodes    int
	stopped  bool
}

// add records a problem at n, or where the document says field is when n is unknown.
func (d *decoder) add(n *yaml.Node, field, message, fix string) {
	p := d.doc.Problem(field, message, fix)
	if n != nil && n.Line > 0 {
		p.Line, p.Column = n.Line, n.Column
	}
	d.problems.Add(p)
}

// spend counts one decoded value and reports whether the walk may go on.
func (d *decoder) spend(n *yaml.Node, field string, depth int) bool {
	if d.stopped {
		return false
	}
	d.nodes++
	if d.nodes > maxNodes || depth > maxDepth {
		d.stopped = true
		d.add(n, field, "the document is too large or too deeply nested (after expanding aliases)",
			"simplify it; avoid aliases that expand to many values")
		return false
	}
	return true
}

// value decodes n into v; fix is the advice for this field (from its struct tag).
func (d *decoder) value(n *yaml.Node, v reflect.Value, field, fix string, depth int) {
	if !d.spend(n, field, depth) {
		return
	}
	if n.Kind == yaml.AliasNode {
		d.alias(n, v, field, fix, depth)
		return
	}
	if d.unmarshaler(n, v, field, fix) {
		return
	}
	if isNull(n) {
		v.SetZero()
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.value(n, e.Elem(), field, fix, depth+1)
		v.Set(e)
	case reflect.Struct:
		d.structValue(n, v, field, depth)
	case reflect.Map:
		d.mapValue(n, v, field, fix, depth)
	case reflect.Slice:
		d.listValue(n, v, field, fix, depth)
	case reflect.Interface:
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.add(n, field, "invalid value: "+err.Error(), fixOr(fix, "check the value"))
		}
	default:
		d.scalar(n, v, field, fix)
	}
}

func (d *decoder) alias(n *yaml.Node, v reflect.Value, field, fix string, depth int) {
	if n.Alias == nil {
		d.add(n, field, fmt.Sprintf("unknown anchor %q", n.Value), "define &"+n.Value+" before using *"+n.Value)
		return
	}
	if d.active[n] {
		d.add(n, field, fmt.Sprintf("alias *%s refers to a value that contains it", n.Value),
			"point the alias at an anchor defined outside this value")
		return
	}
	d.active[n] = true
	defer delete(d.active, n)
	d.value(n.Alias, v, field, fix, depth+1)
}

func (d *decoder) structValue(n *yaml.Node, v reflect.Value, field string, depth int) {
	if n.Kind != yaml.MappingNode {
		d.kindProblem(n, v.Type(), field, "")
		return
	}
	fields := d.fieldsOf(v.Type())
	seen := map[string]bool{}
	for _, p := range d.pairs(n, field, depth) {
		f, ok := lookup(fields, p.key.Value)
		path := Join(field, p.key.Value)
		if !ok {
			d.add(p.key, path, fmt.Sprintf("unknown field %q", p.key.Value), unknownFix(p.key.Value, fields))
			continue
		}
		seen[f.name] = true
		d.doc.set(path, p.key)
		if f.required && isNull(resolve(p.val)) {
			d.add(p.key, path, fmt.Sprintf("required field %q has no value", path), fixOr(f.fix, requiredFix(field, f.name)))
			continue
		}
		d.value(p.val, v.FieldByIndex(f.index), path, f.fix, depth+1)
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			path := Join(field, f.name)
			d.add(nil, path, fmt.Sprintf("missing required field %q", path), fixOr(f.fix, requiredFix(field, f.name)))
		}
	}
}

func (d *decoder) mapValue(n *yaml.Node, v reflect.Value, field, fix string, depth int) {
	if v.Type().Key().Kind() != reflect.String {
		d.unsupported(n, v.Type(), field)
		return
	}
	if n.Kind != yaml.MappingNode {
		d.kindProblem(n, v.Type(), field, fix)
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, p := range d.pairs(n, field, depth) {
		path := Join(field, p.key.Value)
		d.doc.set(path, p.key)
		e := reflect.New(v.Type().Elem()).Elem()
		d.value(p.val, e, path, fix, depth+1)
		v.SetMapIndex(reflect.ValueOf(p.key.Value).Convert(v.Type().Key()), e)
	}
}

func (d *decoder) listValue(n *yaml.Node, v reflect.Value, field, fix string, depth int) {
	if n.Kind != yaml.SequenceNode {
		d.kindProblem(n, v.Type(), field, fix)
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		path := Index(field, i)
		d.doc.set(path, item)
		d.value(item, s.Index(i), path, fix, depth+1)
	}
	v.Set(s)
}
