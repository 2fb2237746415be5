package attest

import (
	"fmt"
	"sort"
	"strings"
)

// licenseExpression checks that each of a package's licenses is an SPDX license
// expression (syntax only, SPDX 2.3 annex D; ids are not checked against the SPDX list)
// and joins them with " AND ": normalized spacing, sorted, duplicates removed, an
// expression with a top-level OR parenthesized. No licenses give NOASSERTION; NONE and
// NOASSERTION are only allowed on their own.
func licenseExpression(licenses []string) (string, error) {
	var exprs []string
	seen := map[string]bool{}
	for _, l := range licenses {
		expr, topOr, err := parseLicense(l)
		if err != nil {
			return "", err
		}
		if topOr && len(licenses) > 1 {
			expr = "(" + expr + ")"
		}
		if !seen[expr] {
			seen[expr] = true
			exprs = append(exprs, expr)
		}
	}
	switch {
	case len(exprs) == 0:
		return "NOASSERTION", nil
	case len(exprs) > 1 && (seen["NONE"] || seen["NOASSERTION"]):
		return "", fmt.Errorf("licenses %q: NONE and NOASSERTION cannot be combined with other licenses", licenses)
	}
	sort.Strings(exprs)
	return strings.Join(exprs, " AND "), nil
}

// parseLicense parses one SPDX license expression and returns it normalized, and whether
// it has an OR outside parentheses.
func parseLicense(s string) (string, bool, error) {
	p := &licenseParser{toks: licenseTokens(s)}
	if len(p.toks) == 1 && (p.toks[0] == "NONE" || p.toks[0] == "NOASSERTION") {
		return p.toks[0], false, nil
	}
	topOr, err := p.or()
	if err == nil && p.i < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.i])
	}
	if err != nil {
		return "", false, fmt.Errorf("license %q is not an SPDX license expression: %w", s, err)
	}
	var b strings.Builder
	for i, t := range p.toks {
		if i > 0 && t != ")" && p.toks[i-1] != "(" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String(), topOr, nil
}

func licenseTokens(s string) []string {
	var toks []string
	start := -1
	flush := func(i int) {
		if start >= 0 {
			toks = append(toks, s[start:i])
			start = -1
		}
	}
	for i, c := range s {
		switch {
		case c == '(' || c == ')':
			flush(i)
			toks = append(toks, string(c))
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			flush(i)
		case start < 0:
			start = i
		}
	}
	flush(len(s))
	return toks
}

type licenseParser struct {
	toks []string
	i    int
}

func (p *licenseParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *licenseParser) next() (string, error) {
	if p.i >= len(p.toks) {
		return "", fmt.Errorf("unexpected end")
	}
	p.i++
	return p.toks[p.i-1], nil
}

// or := and ("OR" and)*
func (p *licenseParser) or() (bool, error) {
	if err := p.and(); err != nil {
		return false, err
	}
	or := false
	for p.peek() == "OR" {
		p.i++
		or = true
		if err := p.and(); err != nil {
			return false, err
		}
	}
	return or, nil
}

// and := term ("AND" term)*
func (p *licenseParser) and() error {
	if err := p.term(); err != nil {
		return err
	}
	for p.peek() == "AND" {
		p.i++
		if err := p.term(); err != nil {
			return err
		}
	}
	return nil
}

// term := "(" or ")" | license ["WITH" exception]
func (p *licenseParser) term() error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t == "(" {
		if _, err := p.or(); err != nil {
			return err
		}
		if t, err := p.next(); err != nil || t != ")" {
			return fmt.Errorf("missing )")
		}
		return nil
	}
	if err := checkLicenseID(t); err != nil {
		return err
	}
	if p.peek() != "WITH" {
		return nil
	}
	p.i++
	e, err := p.next()
	if err != nil {
		return err
	}
	if isOperator(e) || !isIDString(e) {
		return fmt.Errorf("bad exception id %q", e)
	}
	return nil
}

func isOperator(t string) bool {
	switch strings.ToUpper(t) {
	case "AND", "OR", "WITH":
		return true
	}
	return false
}

// checkLicenseID accepts idstring["+"], LicenseRef-idstring and
// DocumentRef-idstring:LicenseRef-idstring.
func checkLicenseID(t string) error {
	switch {
	case isOperator(t) && strings.ToUpper(t) != t:
		return fmt.Errorf("operator %q must be upper case", t)
	case isOperator(t) || t == "(" || t == ")":
		return fmt.Errorf("unexpected %q", t)
	case t == "NONE" || t == "NOASSERTION":
		return fmt.Errorf("%s cannot be part of an expression", t)
	}
	if doc, ref, ok := strings.Cut(t, ":"); ok {
		d, okd := strings.CutPrefix(doc, "DocumentRef-")
		r, okr := strings.CutPrefix(ref, "LicenseRef-")
		if !okd || !okr || !isIDString(d) || !isIDString(r) {
			return fmt.Errorf("bad license reference %q", t)
		}
		return nil
	}
	if !isIDString(strings.TrimSuffix(t, "+")) {
		return fmt.Errorf("bad license id %q", t)
	}
	return nil
}

// isIDString reports whether s is 1*(ALPHA / DIGIT / "-" / ".").
func isIDString(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
