package assemble

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestImageGolden assembles a small image from fixed inputs (the fake SDK runner's
// outputs are fixed too) and compares the digest of its SHA256SUMS, which names every
// output's digest, with the committed one; the file itself is kept next to it so a
// change shows which outputs moved.
func TestImageGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "img")
	build(t, testInput(t), out, &fakeRunner{})
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(sums)
	got := hex.EncodeToString(sum[:])
	sumsPath, digestPath := filepath.Join("testdata", "small-image.SHA256SUMS"), filepath.Join("testdata", "small-image.digest")
	if *update {
		if err := os.WriteFile(sumsPath, sums, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(digestPath, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(digestPath)
	if err != nil {
		t.Fatalf("%v (run `make update-golden`)", err)
	}
	if w := strings.TrimSpace(string(want)); got != w {
		old, _ := os.ReadFile(sumsPath)
		t.Fatalf("SHA256SUMS digest %s, golden %s (run `make update-golden` if intended)\nnow:\n%s\ngolden:\n%s", got, w, sums, old)
	}
}
