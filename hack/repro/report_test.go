package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeDiffoscope is a diffoscope that reports its last two arguments as different.
func fakeDiffoscope(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "diffoscope")
	script := "#!/bin/sh\nfor x; do a=$b; b=$x; done\necho \"--- $a\"\necho \"+++ $b\"\necho \"│ -one\"\necho \"│ +two\"\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func fileArt(t *testing.T, dir, kind, name, digest, content string) *artifact {
	t.Helper()
	f := filepath.Join(dir, fileSafe(kind+"-"+name+"-"+digest))
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return &artifact{kind: kind, name: name, digest: digest, where: location{file: f}}
}

func TestExplainOrdersCausesFirstAndCaps(t *testing.T) {
	dir := t.TempDir()
	mm := func(kind, name, content string) mismatch {
		return mismatch{kind: kind, name: name,
			a: fileArt(t, dir, kind, name, "sha256:a-"+name+"-"+kind, content), b: fileArt(t, dir, kind, name, "sha256:b-"+name+"-"+kind, content+"!")}
	}
	runc := mm(kindPackage, "runc", "x")
	c := comparison{mismatches: []mismatch{
		mm(kindInputs, "runc", "x"),
		runc,
		mm(kindImage, "big.img", strings.Repeat("x", 100)),
		mm(kindImage, "image.json", "x"),
		{kind: kindPackage, name: "runc-again", a: runc.a, b: runc.b}, // the same digests: shown once
		{kind: kindPackage, name: "only-a", a: &artifact{digest: "sha256:1"}},
	}}
	var out bytes.Buffer
	d := differ{bin: fakeDiffoscope(t), reports: filepath.Join(dir, "reports"), timeout: time.Minute, lines: 3, maxBytes: 1 << 20}
	if err := explain(context.Background(), &out, d, c, 3); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	var order []string
	for _, line := range strings.Split(s, "\n") {
		if l, ok := strings.CutPrefix(line, "=== diffoscope: "); ok {
			order = append(order, l)
		}
	}
	want := []string{"package runc", "image file image.json", "image file big.img"}
	if strings.Join(order, "|") != strings.Join(want, "|") {
		t.Errorf("diffoscope order %q, want %q\n%s", order, want, s)
	}
	for _, sub := range []string{
		"package only-a: made on one machine only",
		"more pairs differ; diffoscope ran on the first 3",
		"    │ -one\n",
		"[… 1 more lines]",
	} {
		if !strings.Contains(s, sub) {
			t.Errorf("output lacks %q:\n%s", sub, s)
		}
	}
	if reports, _ := filepath.Glob(filepath.Join(dir, "reports", "*.txt")); len(reports) != 3 {
		t.Errorf("full reports: %v", reports)
	}
}

func TestExplainSkipsHugeFiles(t *testing.T) {
	dir := t.TempDir()
	c := comparison{mismatches: []mismatch{{kind: kindImage, name: "disk.img",
		a: fileArt(t, dir, kindImage, "disk.img", "sha256:a", strings.Repeat("a", 2048)),
		b: fileArt(t, dir, kindImage, "disk.img", "sha256:b", strings.Repeat("b", 2048))}}}
	var out bytes.Buffer
	d := differ{bin: "/nonexistent/diffoscope", timeout: time.Minute, maxSize: 1024, lines: 10}
	if err := explain(context.Background(), &out, d, c, 8); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not given to diffoscope") {
		t.Fatalf("a file over -diffoscope-max-size went to diffoscope:\n%s", out.String())
	}
}
