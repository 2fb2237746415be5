//go:build integration

package integration

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startRegistry runs Debian's docker-registry (distribution) on a free 127.0.0.1 port for
// the test and returns its host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	addr, _ := startRegistryWithRoot(t)
	return addr
}

// startRegistryWithRoot starts Debian's docker-registry on 127.0.0.1 and returns its
// address and the root of its filesystem storage.
func startRegistryWithRoot(t *testing.T) (string, string) {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Fatalf("docker-registry not found (`make tools` installs it): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfg)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr, filepath.Join(dir, "data")
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
	t.Fatalf("registry on %s did not come up:\n%s", addr, b)
	return "", ""
}

func TestSDKPushPullThroughRegistry(t *testing.T) {
	digest := needSDK(t)
	reg := startRegistry(t)
	repo := reg + "/kitbash/sdk"

	r := ok(t, "sdk", "push", repo+":test")
	if !strings.Contains(r.stdout, repo+"@"+digest) {
		t.Fatalf("push output %q does not name %s@%s", r.stdout, repo, digest)
	}

	// A second project with an empty cache pulls it by digest and can run steps on it.
	other := t.TempDir()
	yaml, err := os.ReadFile(filepath.Join(h.project, "Kitbash.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "Kitbash.yaml"), yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "cache")
	in := func(args ...string) result {
		return kb(t, nil, append([]string{"-C", other, "--cache-dir", cache}, args...)...)
	}
	if r := in("sdk", "pull", repo+":test"); r.code == 0 || !strings.Contains(r.stderr, "must pin a digest") {
		t.Fatalf("pull by tag must be refused: exit %d, %q", r.code, r.stderr)
	}
	if r := in("sdk", "pull", repo+"@"+digest); r.code != 0 {
		t.Fatalf("pull: exit %d\n%s", r.code, lastLines(r.stderr, 20))
	}
	lock, err := os.ReadFile(filepath.Join(other, "Kitbash.lock"))
	if err != nil || !strings.Contains(string(lock), digest) {
		t.Fatalf("pull must lock %s: %v\n%s", digest, err, lock)
	}
	r = in("sdk", "run", "--", "go", "version")
	if r.code != 0 || !strings.Contains(r.stdout, "go1.26.8") {
		t.Fatalf("run on the pulled SDK: exit %d, %q\n%s", r.code, r.stdout, lastLines(r.stderr, 20))
	}

	// An SDK built from another sdk section is not locked.
	changed := strings.Replace(string(yaml), "go-version: 1.26.8", "go-version: 1.26.7", 1)
	if changed == string(yaml) {
		t.Fatal("test setup: go-version line not found in Kitbash.yaml")
	}
	if err := os.WriteFile(filepath.Join(other, "Kitbash.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := in("sdk", "pull", repo+"@"+digest); r.code == 0 || !strings.Contains(r.stderr, "another sdk section") {
		t.Fatalf("pull of a mismatched SDK must be refused: exit %d, %q", r.code, r.stderr)
	}
}
