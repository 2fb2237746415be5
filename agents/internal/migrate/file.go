package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FileSchema is the schemaVersion of a migration file.
const FileSchema = 1

// Operation kinds.
const (
	OpAdd       = "add"
	OpRemove    = "remove"
	OpRename    = "rename"
	OpTransform = "transform"
)

// Op is one decoded, validated operation.
type Op struct {
	Op    string // OpAdd, OpRemove, OpRename or OpTransform
	Key   string // add, remove, transform
	Value any    // add
	From  string // rename
	To    string // rename
	Fn    Fn     // transform
}

// File is one decoded migration file: the change from the previous version to Version.
type File struct {
	Path     string
	Version  Version
	Forward  []Op
	Backward []Op
}

type fileJSON struct {
	SchemaVersion *int               `json:"schemaVersion"`
	Forward       *[]json.RawMessage `json:"forward"`
	Backward      *[]json.RawMessage `json:"backward"`
}

type opJSON struct {
	Op    *string         `json:"op"`
	Key   *string         `json:"key"`
	Value json.RawMessage `json:"value"`
	From  *string         `json:"from"`
	To    *string         `json:"to"`
	Fn    *string         `json:"fn"`
}

// strictDecode decodes one JSON value from b into v: unknown fields and trailing data
// are errors.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return cleanJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}

func cleanJSONError(err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "json: "); ok {
		return errors.New(s)
	}
	return err
}

// DecodeFile decodes the migration file at path (used in messages) for version v.
func DecodeFile(path string, v Version, b []byte) (*File, error) {
	var raw fileJSON
	if err := strictDecode(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if raw.SchemaVersion == nil {
		return nil, fmt.Errorf("%s: missing field \"schemaVersion\"; fix: add \"schemaVersion\": %d", path, FileSchema)
	}
	if *raw.SchemaVersion != FileSchema {
		return nil, fmt.Errorf("%s: field \"schemaVersion\": %d is not supported; fix: use %d", path, *raw.SchemaVersion, FileSchema)
	}
	f := &File{Path: path, Version: v}
	for _, l := range []struct {
		name string
		raw  *[]json.RawMessage
		out  *[]Op
	}{{"forward", raw.Forward, &f.Forward}, {"backward", raw.Backward, &f.Backward}} {
		if l.raw == nil {
			return nil, fmt.Errorf("%s: missing field %q; fix: add \"%s\": [] if there is nothing to do", path, l.name, l.name)
		}
		for i, r := range *l.raw {
			op, err := decodeOp(r)
			if err != nil {
				return nil, fmt.Errorf("%s: %s[%d]: %w", path, l.name, i, err)
			}
			*l.out = append(*l.out, op)
		}
	}
	return f, nil
}

func decodeOp(b []byte) (Op, error) {
	var r opJSON
	if err := strictDecode(b, &r); err != nil {
		return Op{}, err
	}
	if r.Op == nil {
		return Op{}, fmt.Errorf("missing field \"op\"; fix: add one of add, remove, rename, transform")
	}
	present := map[string]bool{
		"key": r.Key != nil, "value": r.Value != nil, "from": r.From != nil, "to": r.To != nil, "fn": r.Fn != nil,
	}
	need := map[string][]string{
		OpAdd: {"key", "value"}, OpRemove: {"key"}, OpRename: {"from", "to"}, OpTransform: {"key", "fn"},
	}
	fields, ok := need[*r.Op]
	if !ok {
		return Op{}, fmt.Errorf("field \"op\": unknown operation %q; fix: use one of add, remove, rename, transform", *r.Op)
	}
	for _, f := range fields {
		if !present[f] {
			return Op{}, fmt.Errorf("%s: missing field %q", *r.Op, f)
		}
		delete(present, f)
	}
	for _, f := range []string{"key", "value", "from", "to", "fn"} {
		if present[f] {
			return Op{}, fmt.Errorf("%s: field %q does not belong to this operation; fix: remove it (%s takes %s)", *r.Op, f, *r.Op, strings.Join(fields, ", "))
		}
	}
	op := Op{Op: *r.Op}
	for _, k := range []struct {
		name string
		p    *string
	}{{"key", r.Key}, {"from", r.From}, {"to", r.To}} {
		if k.p == nil {
			continue
		}
		if err := checkKey(*k.p); err != nil {
			return Op{}, fmt.Errorf("%s: field %q: %w", op.Op, k.name, err)
		}
	}
	switch op.Op {
	case OpAdd:
		op.Key = *r.Key
		if err := json.Unmarshal(r.Value, &op.Value); err != nil {
			return Op{}, fmt.Errorf("add: field \"value\": %w", cleanJSONError(err))
		}
	case OpRemove:
		op.Key = *r.Key
	case OpRename:
		op.From, op.To = *r.From, *r.To
		if op.From == op.To || strings.HasPrefix(op.To+".", op.From+".") || strings.HasPrefix(op.From+".", op.To+".") {
			return Op{}, fmt.Errorf("rename: fields \"from\" %q and \"to\" %q overlap", op.From, op.To)
		}
	case OpTransform:
		op.Key = *r.Key
		fn, err := ParseFn(*r.Fn)
		if err != nil {
			return Op{}, fmt.Errorf("transform: field \"fn\": %w", err)
		}
		op.Fn = fn
	}
	return op, nil
}

// checkKey accepts a dotted settings path: non-empty segments without whitespace.
func checkKey(k string) error {
	if k == "" {
		return fmt.Errorf("empty key")
	}
	for _, seg := range strings.Split(k, ".") {
		if seg == "" {
			return fmt.Errorf("key %q has an empty segment", k)
		}
		if strings.ContainsAny(seg, " \t\r\n") {
			return fmt.Errorf("key %q contains whitespace", k)
		}
	}
	return nil
}

// Set is the migrations of a directory, ordered by version.
type Set struct {
	Dir   string
	Files []*File // ascending by Version
}

// LoadDir decodes every <version>.json in dir. Other entries (subdirectories, files not
// ending in .json) are ignored; a .json file whose name is not a version, two files
// of equal precedence, or any decoding error is an error.
func LoadDir(dir string) (*Set, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	s := &Set{Dir: dir}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		v, err := ParseVersion(name)
		if err != nil {
			return nil, fmt.Errorf("%s: file name is not <version>.json: %w", path, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		f, err := DecodeFile(path, v, b)
		if err != nil {
			return nil, err
		}
		s.Files = append(s.Files, f)
	}
	sort.Slice(s.Files, func(i, j int) bool { return s.Files[i].Version.Compare(s.Files[j].Version) < 0 })
	for i := 1; i < len(s.Files); i++ {
		if s.Files[i-1].Version.Compare(s.Files[i].Version) == 0 {
			return nil, fmt.Errorf("%s and %s name the same version; fix: remove one", s.Files[i-1].Path, s.Files[i].Path)
		}
	}
	return s, nil
}
