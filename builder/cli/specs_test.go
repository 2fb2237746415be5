package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/project"
)

// specProject scaffolds a project with the given specs/<folder>/package.yaml files.
func specProject(t *testing.T, specs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := project.Scaffold(dir, project.ScaffoldOptions{Name: "demo"}); err != nil {
		t.Fatal(err)
	}
	for folder, body := range specs {
		p := filepath.Join(dir, "specs", folder, "package.yaml")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func specYAML(name string, extra string) string {
	return "schema-version: 1\nname: " + name + "\nversion: 1.0.0\nrelease: 1\nsummary: test package\nlicense: MIT\n" + extra + "build: echo build\n"
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	dir := specProject(t, map[string]string{
		"unknown":   specYAML("unknown", "bogus: 1\n"),
		"badhash":   specYAML("badhash", "sources:\n  - url: https://example.org/a.tar.gz\n    sha256: 1234\n"),
		"missing":   specYAML("missing", "build-requires: [zlib]\n"),
		"cyca":      specYAML("cyca", "build-requires: [cycb]\n"),
		"cycb":      specYAML("cycb", "build-requires: [cyca]\n"),
		"dup":       specYAML("dup", ""),
		"dup-again": specYAML("dup", ""),
	})
	out, errOut, code := run(t, map[string]string{"SOURCE_DATE_EPOCH": "1"}, "-C", dir, "validate")
	if code == 0 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{
		dir + `/specs/unknown/package.yaml:7: unknown field "bogus"`,
		dir + `/specs/badhash/package.yaml:9: sources[0].sha256: "1234" is not a sha256`,
		dir + `/specs/missing/package.yaml:7: build-requires[0]: "zlib" is not a package or provided by one`,
		"build-requires cycle: cyca -> cycb -> cyca",
		`package "dup" is defined twice`,
		dir + `/specs/dup-again/package.yaml:2: name: package "dup" is in folder specs/dup-again`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q in\n%s", want, errOut)
		}
	}
	if n := strings.Count(errOut, "fix:"); n < 6 {
		t.Errorf("%d fixes in\n%s", n, errOut)
	}
}

func TestValidateAndGraphOfGoodSpecs(t *testing.T) {
	dir := specProject(t, map[string]string{
		"libc":  specYAML("libc", ""),
		"app":   specYAML("app", "build-requires: [tools]\nrequires: [libc]\n"),
		"tools": specYAML("tools", "requires: [libc]\nprovides: [toolchain]\n"),
	})
	out, errOut, code := run(t, nil, "-C", dir, "validate")
	if code != 0 || !strings.Contains(out, "3 package specs are valid") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	out, errOut, code = run(t, nil, "-C", dir, "graph", "app", "--format", "dot")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"digraph packages {", `"app" -> "tools"`, `"tools" -> "libc" [style=dashed]`} {
		if !strings.Contains(out, want) {
			t.Errorf("DOT lacks %q:\n%s", want, out)
		}
	}
	_, errOut, code = run(t, nil, "-C", dir, "graph", "nope")
	if code == 0 || !strings.Contains(errOut, `unknown package "nope"`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestValidateReleaseRefusesNetwork(t *testing.T) {
	dir := specProject(t, map[string]string{"net": specYAML("net", "network: sandbox\n")})
	if _, errOut, code := run(t, nil, "-C", dir, "validate"); code != 0 {
		t.Fatalf("without --release: %s", errOut)
	}
	_, errOut, code := run(t, nil, "-C", dir, "validate", "--release")
	if code == 0 || !strings.Contains(oneLine(t, errOut), "specs/net/package.yaml:7: network: package net opts into the network, which --release refuses") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

// A url source whose hash does not match is refused, named, and not cached; the right
// hash is fetched once and then served from the cache without the network.
func TestFetchRefusesHashMismatch(t *testing.T) {
	body := []byte("source tarball\n")
	sum := sha256.Sum256(body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	wrong := strings.Repeat("0", 64)
	src := func(h string) string {
		return specYAML("src", "sources:\n  - url: "+srv.URL+"/src-1.0.tar.gz\n    sha256: "+h+"\n")
	}
	dir := specProject(t, map[string]string{"src": src(wrong)})
	cache := t.TempDir()
	env := map[string]string{"SOURCE_DATE_EPOCH": "1", "KITBASH_CACHE_DIR": cache}
	_, errOut, code := run(t, env, "-C", dir, "fetch")
	if code == 0 {
		t.Fatal("a wrong hash was accepted")
	}
	for _, want := range []string{dir + "/specs/src/package.yaml:8: sources[0]:", "sha256 mismatch: expected " + wrong + ", got " + hex.EncodeToString(sum[:]), "fix:"} {
		if !strings.Contains(oneLine(t, errOut), want) {
			t.Errorf("error lacks %q: %s", want, errOut)
		}
	}
	if blobs, _ := filepath.Glob(filepath.Join(cache, "sources", "sha256", "*")); len(blobs) != 0 {
		t.Fatalf("refused source was cached: %v", blobs)
	}

	if err := os.WriteFile(filepath.Join(dir, "specs", "src", "package.yaml"), []byte(src(hex.EncodeToString(sum[:]))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "-C", dir, "fetch")
	if code != 0 || !strings.Contains(out, "1 sources in the cache") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	srv.Close()
	if _, errOut, code := run(t, env, "-C", dir, "fetch"); code != 0 {
		t.Fatalf("cached source needed the network: %s", errOut)
	}
}

// lockSDK writes a Kitbash.lock whose SDK matches the project's sdk section, so verbs
// that build get past the SDK check (the image itself is never needed here).
func lockSDK(t *testing.T, dir string) {
	t.Helper()
	l, err := project.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	lock := project.Lock{SchemaVersion: project.SchemaVersion, SDK: project.LockedSDK{Name: l.Project.SDK.Name,
		Digest: "sha256:" + strings.Repeat("a", 64), Inputs: l.Project.SDK.InputsDigest()}}
	if err := l.WriteLock(lock); err != nil {
		t.Fatal(err)
	}
}

func TestBuildReleaseRefusesNetworkSpec(t *testing.T) {
	dir := specProject(t, map[string]string{"net": specYAML("net", "network: sandbox\n")})
	lockSDK(t, dir)
	env := map[string]string{"SOURCE_DATE_EPOCH": "1", "BUILDKIT_HOST": "unix:///nonexistent.sock"}
	_, errOut, code := run(t, env, "-C", dir, "build", "packages", "--release")
	if code == 0 || !strings.Contains(errOut, "package net opts into the network, which --release refuses") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, errOut, _ = run(t, env, "-C", dir, "build", "packages")
	if strings.Contains(errOut, "--release refuses") || !strings.Contains(errOut, "is not in the local store") {
		t.Fatalf("without --release the build goes on to the SDK and engine: %s", errOut)
	}
}
