package verity

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestAgainstVeritysetup formats seeded random data with veritysetup and with Create and
// compares root hashes and hash files byte for byte, then has veritysetup verify ours.
func TestAgainstVeritysetup(t *testing.T) {
	if _, err := exec.LookPath("veritysetup"); err != nil {
		t.Skip("veritysetup not on PATH (Debian: cryptsetup-bin)")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	for _, c := range []struct {
		blocks int
		salt   []byte
	}{
		{3, DeriveSalt("it-3")},
		{127, []byte{0x01, 0x02}},
		{4000, nil},
		{16384, DeriveSalt("it-16384")},
		{40000, DeriveSalt("it-40000")},
	} {
		for _, sb := range []bool{true, false} {
			t.Run(fmt.Sprintf("blocks=%d/superblock=%v", c.blocks, sb), func(t *testing.T) {
				dir := t.TempDir()
				data := filepath.Join(dir, "data")
				if err := os.WriteFile(data, testData(fmt.Sprint("veritysetup ", c.blocks), c.blocks), 0o644); err != nil {
					t.Fatal(err)
				}
				p := Params{Salt: c.salt, UUID: DeriveUUID(fmt.Sprint("it ", c.blocks)), Superblock: sb}
				theirs, ours := filepath.Join(dir, "theirs"), filepath.Join(dir, "ours")
				salt := "-"
				if len(c.salt) > 0 {
					salt = hex.EncodeToString(c.salt)
				}
				args := []string{"--data-block-size", "4096", "--hash-block-size", "4096", "--hash", "sha256", "--format", "1", "--salt=" + salt}
				if sb {
					args = append(args, "--uuid", FormatUUID(p.UUID))
				} else {
					args = append(args, "--no-superblock")
				}
				wantRoot := rootHash(t, veritysetup(t, append(append([]string{"format"}, args...), data, theirs)...))

				root, err := CreateFiles(data, ours, p)
				if err != nil {
					t.Fatal(err)
				}
				if got := hex.EncodeToString(root); got != wantRoot {
					t.Errorf("root hash %s, veritysetup %s", got, wantRoot)
				}
				a, _ := os.ReadFile(theirs)
				b, _ := os.ReadFile(ours)
				if !bytes.Equal(a, b) {
					t.Errorf("hash files differ: veritysetup %d bytes, ours %d", len(a), len(b))
				}
				verify := []string{"verify"}
				if !sb {
					verify = append(verify, args...)
				}
				veritysetup(t, append(verify, data, ours, hex.EncodeToString(root))...)
			})
		}
	}
}

func veritysetup(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("veritysetup", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("veritysetup %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func rootHash(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Root hash:\s+([0-9a-f]{64})$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no root hash in veritysetup output:\n%s", out)
	}
	return m[1]
}
