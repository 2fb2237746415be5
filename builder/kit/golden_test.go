package kit

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestKitGolden packs a small kit from fixed inputs and compares its index digest with
// the committed one: any change to the kit format shows in review.
func TestKitGolden(t *testing.T) {
	dir := t.TempDir()
	x, err := Index(testConfig(), []Member{member(t, dir, "runc", "runc bytes"), member(t, dir, "containerd", "containerd bytes")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := x.Digest()
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "small-kit.digest"), d.String())
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make update-golden`)", err)
	}
	if w := strings.TrimSpace(string(want)); got != w {
		t.Fatalf("digest %s, golden %s (run `make update-golden` if intended)", got, w)
	}
}
