//go:build integration

package source

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aptCandidate returns the candidate version of pkg and its .deb's sha256 from the
// host's package lists.
func aptCandidate(t *testing.T, pkg string) (string, string) {
	t.Helper()
	out, err := exec.Command("apt-cache", "policy", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("apt-cache policy %s: %v: %s", pkg, err, out)
	}
	var version string
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Candidate:"); ok {
			version = strings.TrimSpace(v)
		}
	}
	if version == "" || version == "(none)" {
		t.Fatalf("%s has no candidate version in the host's package lists; run apt-get update", pkg)
	}
	out, err = exec.Command("apt-cache", "show", pkg+"="+version).CombinedOutput()
	if err != nil {
		t.Fatalf("apt-cache show %s=%s: %v: %s; run apt-get update", pkg, version, err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "SHA256:"); ok {
			return version, strings.TrimSpace(v)
		}
	}
	t.Fatalf("apt-cache show %s=%s has no SHA256; run apt-get update", pkg, version)
	return "", ""
}

func TestAptFetch(t *testing.T) {
	version, sum := aptCandidate(t, "hello")
	f, dir := newTestFetcher(t, WithLog(testLog{t}))
	req := Request{Kind: KindApt, Apt: "hello", Version: version, SHA256: sum}
	start := time.Now()
	got, err := f.Fetch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("apt fetch: %s, %+v", time.Since(start).Round(time.Millisecond), got)
	if got.Digest != "sha256:"+sum || got.Path != filepath.Join(dir, "sha256", sum) {
		t.Fatalf("got %+v", got)
	}
	if !strings.HasPrefix(got.Name, "hello_"+strings.ReplaceAll(version, ":", "%3a")+"_") || !strings.HasSuffix(got.Name, ".deb") {
		t.Fatalf("name %q", got.Name)
	}
	if s, n, err := hashFile(got.Path); err != nil || s != sum || n != got.Size {
		t.Fatalf("blob hash %s size %d: %v", s, n, err)
	}
	if l, ok := f.Lookup(req); !ok || l != got {
		t.Fatalf("Lookup: %+v %v", l, ok)
	}
	if again, err := f.Fetch(context.Background(), req); err != nil || again != got {
		t.Fatalf("cached fetch: %+v %v", again, err)
	}
}

func TestAptSHA256MismatchRefused(t *testing.T) {
	version, sum := aptCandidate(t, "hello")
	f, dir := newTestFetcher(t)
	wrong := strings.Repeat("0", 64)
	_, err := f.Fetch(context.Background(), Request{Kind: KindApt, Apt: "hello", Version: version, SHA256: wrong})
	t.Logf("error: %v", err)
	if err == nil || !IsHashMismatch(err) || !strings.Contains(err.Error(), sum) || !strings.Contains(err.Error(), wrong) {
		t.Fatalf("err = %v", err)
	}
	if blobs, _ := os.ReadDir(filepath.Join(dir, "sha256")); len(blobs) != 0 {
		t.Fatalf("%d blobs stored", len(blobs))
	}
}

func TestAptUnknownVersionSaysUpdate(t *testing.T) {
	f, _ := newTestFetcher(t)
	_, err := f.Fetch(context.Background(), Request{Kind: KindApt, Apt: "hello", Version: "0.0.0-kitbash-none", SHA256: strings.Repeat("0", 64)})
	t.Logf("error: %v", err)
	if err == nil || !strings.Contains(err.Error(), "apt-get update") {
		t.Fatalf("err = %v", err)
	}
}
