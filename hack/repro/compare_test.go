package main

import (
	"reflect"
	"strings"
	"testing"
)

func art(kind, name, digest string) artifact {
	return artifact{kind: kind, name: name, digest: digest}
}

func TestCompare(t *testing.T) {
	a := []artifact{
		art(kindImage, "dev-0.1.0.img", "sha256:i1"),
		art(kindPackage, "runc", "sha256:r"),
		art(kindPackage, "busybox", "sha256:b"),
		art(kindInputs, "busybox", "sha256:bi"),
		art(kindKit, "core:0.1.0", "sha256:k1"),
		art(kindSDK, "kitbash-sdk", "sha256:s"),
		art(kindImage, "SHA256SUMS-only-on-a", "sha256:x"),
	}
	b := []artifact{
		art(kindKit, "core:0.1.0", "sha256:k2"),
		art(kindPackage, "busybox", "sha256:b"),
		art(kindInputs, "busybox", "sha256:bi"),
		art(kindPackage, "runc", "sha256:r-other"),
		art(kindSDK, "kitbash-sdk", "sha256:s"),
		art(kindImage, "dev-0.1.0.img", "sha256:i1"),
		art(kindPackage, "only-on-b", "sha256:o"),
	}
	c, err := compare(a, b)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := []kindCount{
		{kind: kindSDK, compared: 1},
		{kind: kindPackage, compared: 3, different: 2},
		{kind: kindInputs, compared: 1},
		{kind: kindKit, compared: 1, different: 1},
		{kind: kindImage, compared: 2, different: 1},
	}
	if !reflect.DeepEqual(c.counts, wantCounts) {
		t.Errorf("counts = %+v\nwant %+v", c.counts, wantCounts)
	}
	if c.total() != 8 {
		t.Errorf("total = %d, want 8", c.total())
	}
	var got []string
	for _, m := range c.mismatches {
		got = append(got, m.kind+" "+m.name+" "+digestOf(m.a)+" "+digestOf(m.b))
	}
	want := []string{
		"package only-on-b (not made) sha256:o",
		"package runc sha256:r sha256:r-other",
		"kit core:0.1.0 sha256:k1 sha256:k2",
		"image file SHA256SUMS-only-on-a sha256:x (not made)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mismatches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCompareIdentical(t *testing.T) {
	a := []artifact{art(kindPackage, "x", "sha256:1"), art(kindImage, "y", "sha256:2")}
	b := []artifact{art(kindImage, "y", "sha256:2"), art(kindPackage, "x", "sha256:1")}
	c, err := compare(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.mismatches) != 0 || c.total() != 2 {
		t.Fatalf("identical sets: %+v", c)
	}
}

func TestCompareEmpty(t *testing.T) {
	c, err := compare(nil, nil)
	if err != nil || c.total() != 0 || len(c.mismatches) != 0 || len(c.counts) != 0 {
		t.Fatalf("compare(nil, nil) = %+v, %v", c, err)
	}
}

func TestCompareRefusesDuplicates(t *testing.T) {
	a := []artifact{art(kindPackage, "x", "sha256:1"), art(kindPackage, "x", "sha256:2")}
	_, err := compare(a, nil)
	if err == nil || !strings.Contains(err.Error(), "machine A has two artifacts named package x") {
		t.Fatalf("err = %v", err)
	}
	if _, err := compare(nil, a); err == nil || !strings.Contains(err.Error(), "machine B") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseSums(t *testing.T) {
	const h1 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	const h2 = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	sums, err := parseSums(strings.NewReader(h1 + "  dev-0.1.0.img\n" + h2 + " *image.json\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"dev-0.1.0.img": "sha256:" + h1, "image.json": "sha256:" + h2}
	if !reflect.DeepEqual(sums, want) {
		t.Fatalf("sums = %v", sums)
	}
	for _, bad := range []string{
		"nothex  file\n",
		h1 + "\n",
		h1[:63] + "  short\n",
		h1 + "  twice\n" + h2 + "  twice\n",
		strings.ToUpper(h1) + "  upper\n",
	} {
		if _, err := parseSums(strings.NewReader(bad)); err == nil {
			t.Errorf("parseSums(%q) accepted it", bad)
		}
	}
}

func TestExcerpt(t *testing.T) {
	if got := excerpt("a\nb\n", 5); got != "a\nb" {
		t.Errorf("short report: %q", got)
	}
	if got := excerpt("1\n2\n3\n4\n", 2); got != "1\n2\n[… 2 more lines]" {
		t.Errorf("long report: %q", got)
	}
}
