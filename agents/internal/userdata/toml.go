package userdata

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseTOML parses the TOML subset described in the package comment into a tree of
// map[string]any (tables) with string, int64, bool and []string leaves.
func ParseTOML(data []byte) (map[string]any, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("toml: not valid UTF-8")
	}
	p := &parser{s: string(data), line: 1, root: map[string]any{}, explicit: map[string]bool{}, dotted: map[string]bool{}}
	p.cur = p.root
	if err := p.parse(); err != nil {
		return nil, fmt.Errorf("toml: line %d: %w", p.line, err)
	}
	return p.root, nil
}

// parser is the state of one ParseTOML call.
type parser struct {
	s        string
	pos      int
	line     int
	root     map[string]any
	cur      map[string]any  // the table of the last [header]
	curPath  []string        // its key path
	explicit map[string]bool // tables defined by a [header]
	dotted   map[string]bool // tables defined by dotted keys (may not get a header later)
}

func (p *parser) parse() error {
	for {
		p.skipSpace()
		if p.eof() {
			return nil
		}
		switch c := p.s[p.pos]; {
		case c == '\n' || c == '\r':
			if err := p.newline(); err != nil {
				return err
			}
			continue
		case c == '#':
			p.skipComment()
		case c == '[':
			if err := p.header(); err != nil {
				return err
			}
		default:
			if err := p.keyValue(); err != nil {
				return err
			}
		}
		p.skipSpace()
		if p.eof() {
			return nil
		}
		if p.s[p.pos] == '#' {
			p.skipComment()
		}
		if p.eof() {
			return nil
		}
		if err := p.newline(); err != nil {
			return fmt.Errorf("expected the end of the line, found %q", p.rest())
		}
	}
}

func (p *parser) eof() bool { return p.pos >= len(p.s) }

func (p *parser) rest() string {
	r := p.s[p.pos:]
	if i := strings.IndexAny(r, "\r\n"); i >= 0 {
		r = r[:i]
	}
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

func (p *parser) skipSpace() {
	for !p.eof() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *parser) skipComment() {
	for !p.eof() && p.s[p.pos] != '\n' && p.s[p.pos] != '\r' {
		p.pos++
	}
}

// newline consumes "\n" or "\r\n".
func (p *parser) newline() error {
	if strings.HasPrefix(p.s[p.pos:], "\r\n") {
		p.pos += 2
	} else if !p.eof() && p.s[p.pos] == '\n' {
		p.pos++
	} else {
		return fmt.Errorf("expected a newline")
	}
	p.line++
	return nil
}

// header parses [a.b.c] and makes that table current.
func (p *parser) header() error {
	p.pos++ // [
	if !p.eof() && p.s[p.pos] == '[' {
		return fmt.Errorf("arrays of tables ([[...]]) are not supported")
	}
	p.skipSpace()
	keys, err := p.key()
	if err != nil {
		return err
	}
	p.skipSpace()
	if p.eof() || p.s[p.pos] != ']' {
		return fmt.Errorf("expected ] after the table name")
	}
	p.pos++
	name := joinKey(keys)
	if p.explicit[name] || p.dotted[name] {
		return fmt.Errorf("table [%s] is defined twice", name)
	}
	t, err := p.descend(p.root, nil, keys, false)
	if err != nil {
		return err
	}
	p.explicit[name] = true
	p.cur, p.curPath = t, keys
	return nil
}

// keyValue parses key = value into the current table.
func (p *parser) keyValue() error {
	keys, err := p.key()
	if err != nil {
		return err
	}
	p.skipSpace()
	if p.eof() || p.s[p.pos] != '=' {
		return fmt.Errorf("expected = after the key %s", joinKey(keys))
	}
	p.pos++
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return fmt.Errorf("%s: %w", joinKey(keys), err)
	}
	t, err := p.descend(p.cur, p.curPath, keys[:len(keys)-1], true)
	if err != nil {
		return err
	}
	last := keys[len(keys)-1]
	if _, ok := t[last]; ok {
		return fmt.Errorf("key %s is defined twice", joinKey(append(append([]string(nil), p.curPath...), keys...)))
	}
	t[last] = v
	return nil
}

// descend walks (creating) the tables named by keys below t, whose path is base.
// byDotted says the walk is for a dotted key (not a [header]): tables it makes are
// marked as defined by dotted keys, and it may not enter a table defined by a header.
func (p *parser) descend(t map[string]any, base, keys []string, byDotted bool) (map[string]any, error) {
	path := append([]string(nil), base...)
	for _, k := range keys {
		path = append(path, k)
		switch x := t[k].(type) {
		case nil:
			n := map[string]any{}
			t[k] = n
			t = n
			if byDotted {
				p.dotted[joinKey(path)] = true
			}
		case map[string]any:
			if byDotted && p.explicit[joinKey(path)] {
				return nil, fmt.Errorf("table %s is already defined by a [header]", joinKey(path))
			}
			t = x
		default:
			return nil, fmt.Errorf("%s is a value, not a table", joinKey(path))
		}
	}
	return t, nil
}

// key parses a dotted key of bare and quoted parts.
func (p *parser) key() ([]string, error) {
	var keys []string
	for {
		p.skipSpace()
		if p.eof() {
			return nil, fmt.Errorf("expected a key")
		}
		var k string
		var err error
		switch c := p.s[p.pos]; {
		case c == '"':
			k, err = p.basicString()
		case c == '\'':
			k, err = p.literalString()
		default:
			start := p.pos
			for !p.eof() && isBare(p.s[p.pos]) {
				p.pos++
			}
			if p.pos == start {
				return nil, fmt.Errorf("expected a key, found %q", p.rest())
			}
			k = p.s[start:p.pos]
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
		p.skipSpace()
		if p.eof() || p.s[p.pos] != '.' {
			return keys, nil
		}
		p.pos++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// value parses a string, integer, boolean or array of strings.
func (p *parser) value() (any, error) {
	if p.eof() {
		return nil, fmt.Errorf("expected a value")
	}
	switch c := p.s[p.pos]; {
	case strings.HasPrefix(p.s[p.pos:], `"""`) || strings.HasPrefix(p.s[p.pos:], `'''`):
		return nil, fmt.Errorf("multi-line strings are not supported")
	case c == '"':
		return p.basicString()
	case c == '\'':
		return p.literalString()
	case c == '[':
		return p.array()
	case c == '{':
		return nil, fmt.Errorf("inline tables are not supported; use a [table]")
	}
	start := p.pos
	for !p.eof() && !strings.ContainsRune(" \t\r\n#,]", rune(p.s[p.pos])) {
		p.pos++
	}
	word := p.s[start:p.pos]
	switch word {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	n, err := parseInt(word)
	if err != nil {
		return nil, fmt.Errorf("unsupported value %q (supported: strings, integers, booleans, arrays of strings)", word)
	}
	return n, nil
}

// parseInt parses a decimal TOML integer: optional sign, no leading zeros, single
// underscores between digits.
func parseInt(w string) (int64, error) {
	digits := strings.TrimLeft(w, "+-")
	if len(w)-len(digits) > 1 || digits == "" {
		return 0, fmt.Errorf("not an integer")
	}
	if len(digits) > 1 && digits[0] == '0' {
		return 0, fmt.Errorf("leading zero")
	}
	prev := byte('_')
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c == '_' && (prev == '_' || i == len(digits)-1) || c != '_' && (c < '0' || c > '9') {
			return 0, fmt.Errorf("not an integer")
		}
		prev = c
	}
	return strconv.ParseInt(strings.TrimPrefix(strings.ReplaceAll(w, "_", ""), "+"), 10, 64)
}

// array parses [ "a", 'b', ] possibly across lines, with comments.
func (p *parser) array() ([]string, error) {
	p.pos++ // [
	out := []string{}
	for {
		if err := p.skipArraySpace(); err != nil {
			return nil, err
		}
		if p.s[p.pos] == ']' {
			p.pos++
			return out, nil
		}
		var s string
		var err error
		switch p.s[p.pos] {
		case '"':
			if strings.HasPrefix(p.s[p.pos:], `"""`) {
				return nil, fmt.Errorf("multi-line strings are not supported")
			}
			s, err = p.basicString()
		case '\'':
			if strings.HasPrefix(p.s[p.pos:], `'''`) {
				return nil, fmt.Errorf("multi-line strings are not supported")
			}
			s, err = p.literalString()
		default:
			return nil, fmt.Errorf("arrays may only hold strings, found %q", p.rest())
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		if err := p.skipArraySpace(); err != nil {
			return nil, err
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return out, nil
		default:
			return nil, fmt.Errorf("expected , or ] in the array, found %q", p.rest())
		}
	}
}

// skipArraySpace skips white space, newlines and comments inside an array.
func (p *parser) skipArraySpace() error {
	for {
		p.skipSpace()
		if p.eof() {
			return fmt.Errorf("unterminated array")
		}
		switch p.s[p.pos] {
		case '#':
			p.skipComment()
		case '\n', '\r':
			if err := p.newline(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// basicString parses "..." with TOML escapes.
func (p *parser) basicString() (string, error) {
	p.pos++ // "
	var b strings.Builder
	for {
		if p.eof() {
			return "", fmt.Errorf("unterminated string")
		}
		r, size := utf8.DecodeRuneInString(p.s[p.pos:])
		switch {
		case r == '"':
			p.pos++
			return b.String(), nil
		case r == '\\':
			if p.pos+1 >= len(p.s) {
				return "", fmt.Errorf("unterminated string")
			}
			e := p.s[p.pos+1]
			p.pos += 2
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case '"':
				b.WriteByte('"')
			case '\\':
				b.WriteByte('\\')
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if p.pos+n > len(p.s) {
					return "", fmt.Errorf("short \\%c escape", e)
				}
				code, err := strconv.ParseUint(p.s[p.pos:p.pos+n], 16, 32)
				if err != nil || !utf8.ValidRune(rune(code)) {
					return "", fmt.Errorf("invalid \\%c escape %q", e, p.s[p.pos:p.pos+n])
				}
				b.WriteRune(rune(code))
				p.pos += n
			default:
				return "", fmt.Errorf("invalid escape \\%c", e)
			}
		case r < 0x20 && r != '\t' || r == 0x7f:
			return "", fmt.Errorf("control character %U in a string", r)
		default:
			b.WriteString(p.s[p.pos : p.pos+size])
			p.pos += size
		}
	}
}

// literalString parses '...' (no escapes).
func (p *parser) literalString() (string, error) {
	p.pos++ // '
	start := p.pos
	for !p.eof() {
		c := p.s[p.pos]
		switch {
		case c == '\'':
			p.pos++
			return p.s[start : p.pos-1], nil
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", fmt.Errorf("control character %U in a string", rune(c))
		}
		p.pos++
	}
	return "", fmt.Errorf("unterminated string")
}

// joinKey writes a key path for messages, quoting parts that are not bare.
func joinKey(keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		bare := k != ""
		for j := 0; j < len(k); j++ {
			if !isBare(k[j]) {
				bare = false
			}
		}
		if bare {
			parts[i] = k
		} else {
			parts[i] = strconv.Quote(k)
		}
	}
	return strings.Join(parts, ".")
}
