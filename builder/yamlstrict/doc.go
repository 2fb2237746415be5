package yamlstrict

import "gopkg.in/yaml.v3"

// Doc remembers where every decoded field was written, so that later checks (a Validate
// method) can report problems with the right file and line.
type Doc struct {
	file   string
	root   position
	fields map[string]position
}

type position struct{ line, col int }

func newDoc(file string) *Doc {
	return &Doc{file: file, root: position{1, 1}, fields: map[string]position{}}
}

func (d *Doc) set(field string, n *yaml.Node) {
	if _, ok := d.fields[field]; !ok && n.Line > 0 {
		d.fields[field] = position{n.Line, n.Column}
	}
}

// File returns the file name given to Decode ("" for a nil Doc).
func (d *Doc) File() string {
	if d == nil {
		return ""
	}
	return d.file
}

// Has reports whether field was written in the document.
func (d *Doc) Has(field string) bool {
	if d == nil {
		return false
	}
	_, ok := d.fields[field]
	return ok
}

// Pos returns the best known position of field: the field itself, else its nearest
// written parent, else the start of the document (1:1). A nil Doc returns 0:0.
func (d *Doc) Pos(field string) (line, col int) {
	if d == nil {
		return 0, 0
	}
	for f := field; f != ""; f = parent(f) {
		if p, ok := d.fields[f]; ok {
			return p.line, p.col
		}
	}
	return d.root.line, d.root.col
}

// Problem returns a Problem about field located with Pos, for use by Validate methods.
func (d *Doc) Problem(field, message, fix string) Problem {
	line, col := d.Pos(field)
	return Problem{File: d.File(), Line: line, Column: col, Field: field, Message: message, Fix: fix}
}
