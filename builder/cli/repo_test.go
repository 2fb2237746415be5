package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

// repoImage writes a fake image directory for variant and version in project layout.
func repoImage(t *testing.T, projectRoot, variant, version string) string {
	t.Helper()
	dir := imageinfo.Dir(projectRoot, variant, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	im := &imageinfo.Image{Schema: imageinfo.Schema, Variant: variant, Version: version, Arch: "x86_64",
		Disk: "disk.img", Updates: map[string]imageinfo.File{}}
	for _, kind := range []string{"root", "hash", "boot"} {
		name := fmt.Sprintf("%s-%s-%s.zst", variant, version, kind)
		data := []byte(kind + " " + version)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		im.Updates[kind] = imageinfo.File{Path: name, Sha256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	}
	b, _ := im.Marshal()
	if err := os.WriteFile(filepath.Join(dir, imageinfo.FileName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRepoCommands(t *testing.T) {
	tmp := t.TempDir()
	keys, repo := filepath.Join(tmp, "keys"), filepath.Join(tmp, "repo")
	now := "--now=2025-03-01T12:00:00Z"
	mustRun := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	mustRun("repo", "keys", keys, "--threshold", "2")
	mustRun("repo", "create", repo, "--keys", keys, now)
	img1 := repoImage(t, tmp, "dev", "0.1.0")
	mustRun("repo", "add", repo, "dev", "0.1.0", "--keys", keys, "--image-dir", img1, now)
	out := mustRun("repo", "add", repo, "dev", "0.2.0", "--keys", keys, "--image-dir", repoImage(t, tmp, "dev", "0.2.0"),
		"--wave-policy", "slow-roll", "--release-start", "2025-03-02T00:00:00Z", now, "-o", "json")
	var added struct {
		MaxVersion     string   `json:"maxVersion"`
		Targets        []string `json:"targets"`
		TargetsVersion int      `json:"targetsVersion"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.MaxVersion != "0.2.0" || len(added.Targets) != 3 || added.TargetsVersion != 3 {
		t.Fatalf("add output %q: %v", out, err)
	}

	root := filepath.Join(repo, "metadata", "1.root.json")
	srv := httptest.NewServer(http.FileServer(http.Dir(repo)))
	defer srv.Close()
	for _, where := range []string{repo, srv.URL} {
		out = mustRun("repo", "validate", where, "--root", root, now)
		if !strings.Contains(out, "7 targets ok, 2 updates") {
			t.Fatalf("validate %s: %q", where, out)
		}
	}

	// check-expirations: fine now, not five days on (timestamp lives a week).
	mustRun("repo", "check-expirations", repo, "--within", "72h", now)
	_, errOut, code := run(t, nil, "repo", "check-expirations", repo, "--within", "3d", "--now=2025-03-06T12:00:00Z")
	if code == 0 || !strings.Contains(errOut, "warning: timestamp metadata (version 3) expires in 48h0m0s") || !strings.Contains(errOut, "kitbash: repo check-expirations") {
		t.Fatalf("check-expirations 5 days on: exit %d, %q", code, errOut)
	}
	mustRun("repo", "refresh", repo, "--keys", keys, "--now=2025-03-06T12:00:00Z")
	mustRun("repo", "check-expirations", repo, "--within", "3d", "--now=2025-03-06T12:00:00Z")

	// rotate root, then a client holding 1.root.json still validates.
	keys2 := filepath.Join(tmp, "keys2")
	mustRun("repo", "keys", keys2)
	mustRun("repo", "rotate-root", repo, "--keys", keys, "--new-keys", keys2, "--now=2025-03-06T12:00:00Z")
	mustRun("repo", "validate", srv.URL, "--root", root, "--now=2025-03-06T12:00:00Z")

	// A tampered target is named by validate.
	matches, _ := filepath.Glob(filepath.Join(repo, "targets", "*.dev-x86_64-0.1.0-boot.zst"))
	if len(matches) != 1 {
		t.Fatalf("targets %v", matches)
	}
	os.WriteFile(matches[0], []byte("boot 0.1.9"), 0o644)
	_, errOut, code = run(t, nil, "repo", "validate", repo, "--root", root, "--now=2025-03-06T12:00:00Z")
	if code == 0 || !strings.Contains(errOut, "target dev-x86_64-0.1.0-boot.zst") {
		t.Fatalf("tampered: exit %d, %q", code, errOut)
	}
}

func TestRepoAddDefaultsToProjectImageDir(t *testing.T) {
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "Kitbash.yaml"), []byte("name: demo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repoImage(t, tmp, "dev", "1.0.0")
	keys, repo := filepath.Join(tmp, "keys"), filepath.Join(tmp, "repo")
	for _, args := range [][]string{
		{"repo", "keys", keys},
		{"repo", "create", repo, "--keys", keys},
		{"-C", tmp, "repo", "add", repo, "dev", "1.0.0", "--keys", keys},
	} {
		if _, errOut, code := run(t, nil, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	_, errOut, code := run(t, nil, "repo", "add", repo, "dev", "1.0.0", "--keys", keys, "--wave-policy", "yolo", "--image-dir", tmp)
	if code == 0 || !strings.Contains(errOut, "slow-roll") {
		t.Fatalf("bad wave policy: exit %d %q", code, errOut)
	}
}
