package qemu

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"
)

// maxLine caps a serial line; longer output is split into several lines.
const maxLine = 64 << 10

// ansi matches escape sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \),
// and two-byte escapes such as ESC c (reset), which SeaBIOS and OVMF print.
var ansi = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]`)

// cleanLine removes escape sequences and control characters other than tab.
func cleanLine(b []byte) string {
	s := ansi.ReplaceAllString(string(b), "")
	return strings.Map(func(r rune) rune {
		if r == '\t' || (r >= ' ' && r != 0x7f) {
			return r
		}
		return -1
	}, s)
}

// line is one serial line and when it arrived.
type line struct {
	text string
	at   time.Duration // since QEMU started
}

// console collects the serial output: QEMU's standard output is written to it.
type console struct {
	start time.Time
	log   io.Writer // nil, or WithSerialLog's writer until it fails

	mu      sync.Mutex
	partial []byte
	lines   []line
	changed chan struct{} // closed and replaced whenever lines grow or the machine exits
	exited  bool
	next    int // where the next WaitFor starts: after the line the last one matched
}

func newConsole(start time.Time, log io.Writer) *console {
	return &console{start: start, log: log, changed: make(chan struct{})}
}

// Write splits p into lines; it never fails, so QEMU is never blocked by a reader.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.partial = append(c.partial, p...)
	for {
		i := bytes.IndexByte(c.partial, '\n')
		if i < 0 {
			break
		}
		c.addLocked(c.partial[:i])
		c.partial = c.partial[i+1:]
	}
	for len(c.partial) >= maxLine {
		c.addLocked(c.partial[:maxLine])
		c.partial = c.partial[maxLine:]
	}
	c.partial = append([]byte(nil), c.partial...) // let the consumed prefix go
	return len(p), nil
}

func (c *console) addLocked(b []byte) {
	for len(b) > maxLine {
		c.addLocked(b[:maxLine])
		b = b[maxLine:]
	}
	l := line{text: cleanLine(b), at: time.Since(c.start)}
	c.lines = append(c.lines, l)
	if c.log != nil {
		if _, err := io.WriteString(c.log, l.text+"\n"); err != nil {
			c.log = nil
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// finish records the end of output: a last line without a newline counts as a line.
func (c *console) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.partial) > 0 {
		c.addLocked(c.partial)
		c.partial = nil
	}
	c.exited = true
	close(c.changed)
	c.changed = make(chan struct{})
}

// texts returns the lines from index from on.
func (c *console) texts(from int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.textsLocked(from)
}

// tail returns the last n lines.
func (c *console) tail(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.textsLocked(len(c.lines) - n)
}

func (c *console) textsLocked(from int) []string {
	from = min(max(from, 0), len(c.lines))
	out := make([]string, 0, len(c.lines)-from)
	for _, l := range c.lines[from:] {
		out = append(out, l.text)
	}
	return out
}

// tailBuffer keeps the last max bytes written to it (QEMU's standard error).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
