package yamlstrict

import (
	"errors"
	"strings"
)

// Combine merges the problems of several checks of the same files, earlier ones first:
// typically Decode's error, then Validate's. A problem from a later error is dropped when
// an earlier error already reported a problem in the same file on the same field or on a
// parent of it (a field that failed to decode has a zero value, so validating it again
// would only repeat the complaint); an earlier problem without a field covers the whole
// file. Errors that are not Problems are kept as they are. It returns nil when all errors
// are nil.
func Combine(errs ...error) error {
	var out Problems
	var others []error
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ps Problems
		var p Problem
		switch {
		case errors.As(err, &ps):
		case errors.As(err, &p):
			ps = Problems{p}
		default:
			others = append(others, err)
			continue
		}
		earlier := len(out)
		for _, p := range ps {
			if !covered(out[:earlier], p) {
				out.Add(p)
			}
		}
	}
	if len(others) == 0 {
		return out.Err()
	}
	if len(out) > 0 {
		others = append(others, out.Err())
	}
	return errors.Join(others...)
}

func covered(earlier Problems, p Problem) bool {
	for _, q := range earlier {
		if q.File == p.File && isWithin(p.Field, q.Field) {
			return true
		}
	}
	return false
}

// isWithin reports whether field is parent or a field below it.
func isWithin(field, parent string) bool {
	if parent == "" || field == parent {
		return true
	}
	if !strings.HasPrefix(field, parent) {
		return false
	}
	next := field[len(parent)]
	return next == '.' || next == '['
}
