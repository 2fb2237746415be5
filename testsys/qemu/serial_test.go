package qemu

import (
	"strings"
	"testing"
	"time"
)

func TestCleanLine(t *testing.T) {
	for in, want := range map[string]string{
		"\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2)":   "SeaBIOS (version 1.16.2)",
		"\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HKITBASH-READY {}": "KITBASH-READY {}",
		"plain\r":                  "plain",
		"a\tb\x00c\x07":            "a\tbc",
		"\x1b]0;title\x07after":    "after",
		"ünïcode ✓":                "ünïcode ✓",
		"half escape at end \x1b[": "half escape at end ",
		"[    1.234567] Run /init as init process": "[    1.234567] Run /init as init process",
	} {
		if got := cleanLine([]byte(in)); got != want {
			t.Errorf("cleanLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConsoleSplitsLines(t *testing.T) {
	var log strings.Builder
	c := newConsole(time.Now(), &log)
	for _, chunk := range []string{"fir", "st\r\nsec", "ond\r\n\x1b[0mthird\n", "", "tail without newline"} {
		if n, err := c.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if got := strings.Join(c.texts(0), "|"); got != "first|second|third" {
		t.Errorf("before finish: %q", got)
	}
	c.finish()
	want := []string{"first", "second", "third", "tail without newline"}
	if got := c.texts(0); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines = %q, want %q", got, want)
	}
	if got := c.tail(2); strings.Join(got, "|") != "third|tail without newline" {
		t.Errorf("tail(2) = %q", got)
	}
	if got := c.tail(10); len(got) != 4 {
		t.Errorf("tail(10) = %q", got)
	}
	if log.String() != strings.Join(want, "\n")+"\n" {
		t.Errorf("serial log = %q", log.String())
	}
}

func TestConsoleCapsLongLines(t *testing.T) {
	c := newConsole(time.Now(), nil)
	c.Write([]byte(strings.Repeat("x", maxLine+10) + "\n"))
	got := c.texts(0)
	if len(got) != 2 || len(got[0]) != maxLine || len(got[1]) != 10 {
		t.Errorf("got %d lines, lengths %d", len(got), len(strings.Join(got, "")))
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errTest
}

func TestConsoleLogErrorStopsCopyingOnly(t *testing.T) {
	w := &failWriter{}
	c := newConsole(time.Now(), w)
	c.Write([]byte("a\nb\nc\n"))
	if w.n != 1 || len(c.texts(0)) != 3 {
		t.Errorf("writes %d, lines %q", w.n, c.texts(0))
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	b.Write([]byte("0123456789"))
	b.Write([]byte("ab"))
	if got := b.String(); got != "456789ab" {
		t.Errorf("tail = %q", got)
	}
}
