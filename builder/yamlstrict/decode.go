// Package yamlstrict decodes YAML into Go structs strictly, reporting every problem at
// once with file:line, the dotted field path and a suggested fix.
//
// Struct fields are named by their `yaml:"name"` tags (as gopkg.in/yaml.v3 does);
// `required:"true"` marks a field that must be present and `fix:"..."` gives the advice
// shown when the field's value is wrong.
package yamlstrict

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Decode decodes data (named file in messages) into out, which must point to a struct.
// It returns a *Doc with the position of every decoded field (never nil) and, when
// anything is wrong, a Problems error listing every problem found. Fields whose values
// are wrong keep their zero value.
func Decode(file string, data []byte, out any) (*Doc, error) {
	doc := newDoc(file)
	rv := reflect.ValueOf(out)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return doc, fmt.Errorf("yamlstrict: decoding %s: out must be a non-nil pointer to a struct, got %T", file, out)
	}
	d := &decoder{doc: doc, fields: map[reflect.Type][]fieldInfo{}, active: map[*yaml.Node]bool{}}
	root := d.parse(data)
	if root != nil {
		doc.root = position{root.Line, root.Column}
		d.value(root, rv.Elem(), "", "", 0)
	}
	return doc, d.problems.Err()
}

// parse returns the top-level mapping of the single document in data, or nil after
// recording why there is none.
func (d *decoder) parse(data []byte) (root *yaml.Node) {
	defer func() {
		if r := recover(); r != nil { // the YAML library must not crash the program
			root = nil
			d.add(nil, "", fmt.Sprintf("invalid YAML: the parser failed: %v", r), syntaxFix)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.add(nil, "", "the file is empty", topFix)
		} else {
			d.syntaxProblem(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != nil && !errors.Is(err, io.EOF) {
		d.syntaxProblem(err)
	} else if err == nil && !isEmptyDoc(&extra) {
		d.add(&extra, "", "found a second YAML document (after ---); the file must hold exactly one",
			"remove the --- line and everything after it, or merge the two documents")
	}
	if isEmptyDoc(&doc) {
		d.add(nil, "", "the file is empty", topFix)
		return nil
	}
	top := doc.Content[0]
	if top.Kind == yaml.AliasNode && top.Alias != nil {
		top = top.Alias
	}
	if top.Kind != yaml.MappingNode {
		d.add(top, "", "expected a mapping of fields (key: value) at the top of the file, got "+got(top), topFix)
		return nil
	}
	return top
}

const (
	topFix    = `write the fields as "key: value" lines starting at the first column`
	syntaxFix = "check indentation (spaces only, no tabs), colons and quoting on or just before this line"
)

func isEmptyDoc(doc *yaml.Node) bool {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return true
	}
	return isNull(doc.Content[0])
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem records a parse error; yaml.v3 only exposes its line inside the message.
func (d *decoder) syntaxProblem(err error) {
	msg := oneLine(err.Error())
	line := 0
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	d.problems.Add(Problem{File: d.doc.file, Line: line, Message: "invalid YAML: " + msg, Fix: syntaxFix})
}
