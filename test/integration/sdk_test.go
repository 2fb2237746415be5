//go:build integration

package integration

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type sdkBuilt struct {
	Name     string `json:"name"`
	Digest   string `json:"digest"`
	Packages int    `json:"packages"`
	UpToDate bool   `json:"upToDate"`
}

var (
	sdkOnce   sync.Once
	sdkDigest string
)

// needSDK builds the project's SDK once per run (into the harness cache) and returns its digest.
func needSDK(t *testing.T) string {
	t.Helper()
	sdkOnce.Do(func() {
		var b sdkBuilt
		okJSON(t, &b, "sdk", "build")
		sdkDigest = b.Digest
	})
	if sdkDigest == "" {
		t.Fatal("the SDK build failed earlier in this run")
	}
	return sdkDigest
}

func TestSDKBuildIsReproducibleAndLocked(t *testing.T) {
	first := needSDK(t)
	if !strings.HasPrefix(first, "sha256:") {
		t.Fatalf("digest %q", first)
	}
	lock, err := os.ReadFile(filepath.Join(h.project, "Kitbash.lock"))
	if err != nil {
		t.Fatalf("sdk build must write Kitbash.lock: %v", err)
	}
	if !strings.Contains(string(lock), first) {
		t.Fatalf("Kitbash.lock does not record %s:\n%s", first, lock)
	}

	// Unchanged inputs: nothing to do.
	var again sdkBuilt
	okJSON(t, &again, "sdk", "build")
	if !again.UpToDate || again.Digest != first {
		t.Fatalf("second sdk build = %+v; want up to date at %s", again, first)
	}

	// A second, forced build into another store must give the same digest.
	other := t.TempDir()
	var second sdkBuilt
	okJSON(t, &second, "sdk", "build", "--force", "--store", other)
	if second.Digest != first {
		t.Fatalf("two SDK builds differ: %s vs %s", first, second.Digest)
	}
	if second.Packages < 100 {
		t.Fatalf("the SDK lists only %d packages", second.Packages)
	}
}

func TestSDKHasToolchain(t *testing.T) {
	needSDK(t)
	r := ok(t, "sdk", "run", "--", "go", "version")
	if !strings.Contains(r.stdout, "go1.26.8 linux/amd64") {
		t.Fatalf("go version in the SDK: %q", r.stdout)
	}
	r = ok(t, "sdk", "run", "--", "sh", "-c", "for t in gcc make cpio zstd mkfs.erofs mkfs.ext4 mkfs.vfat mcopy objcopy; do command -v $t; done; ls /usr/lib/systemd/boot/efi/")
	for _, want := range []string{"/gcc", "/mkfs.erofs", "/mkfs.vfat", "/objcopy", "systemd-bootx64.efi"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("SDK lacks %s:\n%s", want, r.stdout)
		}
	}
}

func TestSDKRunPassesExitStatus(t *testing.T) {
	needSDK(t)
	r := kb(t, nil, "sdk", "run", "--", "sh", "-c", "echo out; echo err >&2; exit 7")
	if r.code != 7 || r.stdout != "out\n" || !strings.Contains(r.stderr, "err\n") {
		t.Fatalf("got exit %d, stdout %q, stderr tail %q", r.code, r.stdout, lastLines(r.stderr, 3))
	}
}
