package yamlstrict

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a YAML file, located by file, line and field.
type Problem struct {
	File    string
	Line    int
	Column  int
	Field   string // dotted path, e.g. "sdk.packages[2]"; empty for the whole file
	Message string
	Fix     string // what to do about it; may be empty
}

// Error renders the problem on one line:
//
//	Kitbash.yaml:7: sdk.go-version: expected a string, got a mapping; fix: ...
//
// The field is left out when the message already names it in quotes, and the line when
// it is unknown (0).
func (p Problem) Error() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		b.WriteString(p.File + ": ")
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" && !strings.Contains(p.Message, strconv.Quote(p.Field)) {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(oneLine(p.Message))
	if p.Fix != "" {
		b.WriteString("; fix: " + oneLine(p.Fix))
	}
	return b.String()
}

// oneLine collapses a multi-line text (such as a wrapped library error) into one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Problems is every problem found in one or more files. It is an error listing one
// problem per line, grouped by file (in order of first appearance), then sorted by line
// and field.
type Problems []Problem

// Error renders the sorted problems, one per line.
func (ps Problems) Error() string {
	sorted := ps.Sorted()
	lines := make([]string, len(sorted))
	for i, p := range sorted {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Add appends p.
func (ps *Problems) Add(p Problem) { *ps = append(*ps, p) }

// Err returns the sorted problems as an error, or nil when there are none.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps.Sorted()
}

// Sorted returns a sorted copy without exact duplicates.
func (ps Problems) Sorted() Problems {
	fileRank := map[string]int{}
	for _, p := range ps {
		if _, ok := fileRank[p.File]; !ok {
			fileRank[p.File] = len(fileRank)
		}
	}
	out := append(Problems(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return fileRank[a.File] < fileRank[b.File]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Message < b.Message
	})
	uniq := out[:0]
	for i, p := range out {
		if i == 0 || p != out[i-1] {
			uniq = append(uniq, p)
		}
	}
	return uniq
}
