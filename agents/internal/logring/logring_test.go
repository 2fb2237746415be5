package logring

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestRingKeepsLastLinesAndTees(t *testing.T) {
	var con bytes.Buffer
	r := New(3, &con)
	fmt.Fprint(r, "one\ntwo\nthr")
	if got := r.Lines(); !reflect.DeepEqual(got, []string{"one", "two"}) {
		t.Fatalf("lines = %q", got)
	}
	fmt.Fprint(r, "ee\nfour\r\nfive\n")
	want := []string{"three", "four", "five"}
	if got := r.Lines(); !reflect.DeepEqual(got, want) {
		t.Fatalf("lines = %q, want %q", got, want)
	}
	if con.String() != "one\ntwo\nthree\nfour\nfive\n" {
		t.Fatalf("console = %q", con.String())
	}
	var out bytes.Buffer
	if _, err := r.WriteTo(&out); err != nil || out.String() != "three\nfour\nfive\n" {
		t.Fatalf("WriteTo = %q, %v", out.String(), err)
	}
}

func TestSourcesDoNotInterleave(t *testing.T) {
	r := New(100, nil)
	a, b := r.Source("[a] "), r.Source("[b] ")
	fmt.Fprint(a, "hel")
	fmt.Fprint(b, "wor")
	r.Line("init line")
	fmt.Fprint(a, "lo\n")
	fmt.Fprint(b, "ld")
	b.Close()
	want := []string{"init line", "[a] hello", "[b] world"}
	if got := r.Lines(); !reflect.DeepEqual(got, want) {
		t.Fatalf("lines = %q, want %q", got, want)
	}
}

func TestLongLinesAreCut(t *testing.T) {
	r := New(10, nil)
	fmt.Fprint(r, strings.Repeat("x", MaxLineBytes+5)+"\n")
	got := r.Lines()
	if len(got) != 2 || len(got[0]) != MaxLineBytes || got[1] != "xxxxx" {
		t.Fatalf("got %d lines, lens %v", len(got), len(got[0]))
	}
}

func TestConcurrentWriters(t *testing.T) {
	var con bytes.Buffer
	r := New(1000, &con)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := r.Source(fmt.Sprintf("[%d] ", i))
			for j := range 50 {
				fmt.Fprintf(s, "line %d\n", j)
			}
		}()
	}
	wg.Wait()
	if n := len(r.Lines()); n != 200 {
		t.Fatalf("%d lines", n)
	}
	for _, l := range strings.Split(strings.TrimSpace(con.String()), "\n") {
		if !strings.HasPrefix(l, "[") || !strings.Contains(l, "] line ") {
			t.Fatalf("mangled console line %q", l)
		}
	}
}
