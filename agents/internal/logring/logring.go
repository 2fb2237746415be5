// Package logring keeps the last lines logged on the machine in memory, for the init
// control API (GET /v1/log), and copies every line to the console as it comes.
//
// A Ring holds at most a fixed number of lines; the oldest go first. Writers get whole
// lines: Ring.Write and the per-source writers from Ring.Source split their input at
// '\n' and keep a partial last line until the rest arrives (or Close), so lines from
// different sources never interleave inside a line, on the console or in the ring.
package logring

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// MaxLineBytes is the longest line kept; longer lines are cut there and the rest
// continues on a new line.
const MaxLineBytes = 4096

// Ring is a bounded buffer of log lines that also copies each line to a console. It is
// an io.Writer and safe for concurrent use.
type Ring struct {
	mu      sync.Mutex
	console io.Writer // may be nil
	lines   []string  // circular, len == capacity once full
	next    int       // index of the slot the next line goes to once full
	full    bool
	partial []byte // Write's unterminated last line
}

// New returns a ring keeping the last maxLines lines (at least 1) and copying every
// line to console (nil for none). Console write errors are ignored: a missing or broken
// console must not stop the logging.
func New(maxLines int, console io.Writer) *Ring {
	if maxLines < 1 {
		maxLines = 1
	}
	return &Ring{console: console, lines: make([]string, 0, maxLines)}
}

// Write logs p, which may hold several lines and end in the middle of one.
func (r *Ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.partial = r.splitLocked(r.partial, p, "")
	return len(p), nil
}

// Line logs one line (a trailing newline is optional; inner newlines split it).
func (r *Ring) Line(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.splitLocked(nil, []byte(strings.TrimSuffix(s, "\n")+"\n"), "") // no remainder: ends in '\n'
}

// splitLocked appends p to buf, adds every complete line (with prefix) and returns the
// unterminated remainder.
func (r *Ring) splitLocked(buf, p []byte, prefix string) []byte {
	buf = append(buf, p...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			if len(buf) >= MaxLineBytes {
				r.addLocked(prefix + string(buf[:MaxLineBytes]))
				buf = buf[MaxLineBytes:]
				continue
			}
			break
		}
		line := buf[:i]
		for len(line) > MaxLineBytes {
			r.addLocked(prefix + string(line[:MaxLineBytes]))
			line = line[MaxLineBytes:]
		}
		r.addLocked(prefix + string(line))
		buf = buf[i+1:]
	}
	if len(buf) == 0 {
		return nil
	}
	return append([]byte(nil), buf...)
}

// addLocked stores one line (without '\n') and copies it to the console.
func (r *Ring) addLocked(line string) {
	line = strings.TrimSuffix(line, "\r")
	if r.console != nil {
		_, _ = io.WriteString(r.console, line+"\n")
	}
	if !r.full {
		r.lines = append(r.lines, line)
		if len(r.lines) == cap(r.lines) {
			r.full = true
		}
		return
	}
	r.lines[r.next] = line
	r.next = (r.next + 1) % len(r.lines)
}

// Lines returns the kept lines, oldest first.
func (r *Ring) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.lines))
	if r.full {
		out = append(out, r.lines[r.next:]...)
		return append(out, r.lines[:r.next]...)
	}
	return append(out, r.lines...)
}

// WriteTo writes the kept lines, oldest first, one per line.
func (r *Ring) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for _, l := range r.Lines() {
		n, err := io.WriteString(w, l+"\n")
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Source returns a writer for one producer (a service's output) that prefixes each of
// its lines with prefix and keeps its partial lines apart from other sources'. Close
// flushes an unterminated last line.
func (r *Ring) Source(prefix string) io.WriteCloser {
	return &source{r: r, prefix: prefix}
}

type source struct {
	r      *Ring
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (s *source) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.buf = s.r.splitLocked(s.buf, p, s.prefix)
	return len(p), nil
}

func (s *source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) > 0 {
		s.r.mu.Lock()
		s.r.addLocked(s.prefix + string(s.buf))
		s.r.mu.Unlock()
		s.buf = nil
	}
	return nil
}
