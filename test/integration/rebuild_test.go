//go:build integration

package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rebuildJSON is `kitbash -o json rebuild`'s report.
type rebuildJSON struct {
	Ref, Digest, Rebuilt, Sources, SignedBy string
	Match                                   bool
	Packages                                []struct {
		Name, Want, Got, SBOM string
		Match                 bool
	}
	Notes []string
}

// newRebuilder is a machine with no checkout at all (its project folder is empty), an
// empty package store, and the SDK (as every machine); it shares machine a's source cache
// (hard links, as a lookaside would serve the pinned sources) and a's engine, so BuildKit's
// cache may answer build steps: the packages are built again into the rebuild's own store,
// never taken from a package store or --cache-from.
func newRebuilder(t *testing.T, a *machine, hostname string) *machine {
	t.Helper()
	r := newMachine(t, hostname, "nowhere/empty")
	if err := os.RemoveAll(r.project); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(r.project, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-al", filepath.Join(a.cache, "sources"), filepath.Join(r.cache, "sources")).CombinedOutput(); err != nil {
		t.Fatalf("link the source cache: %v: %s", err, out)
	}
	a.ok(t, "engine", "start")
	r.buildkitHost = "unix://" + filepath.Join(a.state, "buildkitd", "buildkitd.sock")
	return r
}

func (m *machine) rebuild(t *testing.T, args ...string) (rebuildJSON, result) {
	t.Helper()
	r := m.kb(t, append([]string{"-o", "json", "rebuild"}, args...)...)
	var rep rebuildJSON
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("[%s] rebuild: exit %d, output is not JSON: %v\nstdout:\n%s\nstderr:\n%s", m.name, r.code, err, r.stdout, lastLines(r.stderr, 60))
	}
	return rep, r
}

// assertNoPackages fails when the machine's package store holds a package: a rebuild
// builds into a store of its own, which it removes.
func assertNoPackages(t *testing.T, m *machine) {
	t.Helper()
	for _, d := range []string{"packages", "rebuild"} {
		ents, err := os.ReadDir(filepath.Join(m.cache, d))
		if err == nil && len(ents) > 0 {
			t.Errorf("[%s] %s/%s holds %d entries after the rebuild", m.name, m.cache, d, len(ents))
		}
	}
}

// TestRebuildPublishedKit: the core kit, published with its sources, is rebuilt from
// them on a machine with no checkout and an empty package store, to the same digest, every
// package matching the kit's index and its SBOM.
func TestRebuildPublishedKit(t *testing.T) {
	registry := startRegistry(t) + "/vendor"
	a, _, _ := fullBuild(t)
	keys := t.TempDir()
	a.ok(t, "kit", "keygen", filepath.Join(keys, "core"))
	pub := a.publish(t, "core", "--to", registry+"/core", "--key", filepath.Join(keys, "core.key"))
	digest := pub.Ref[strings.LastIndex(pub.Ref, "@")+1:]

	var insp struct {
		Referrers []struct{ ArtifactType, Digest string }
	}
	r := a.ok(t, "-o", "json", "kit", "inspect", pub.Ref, "--key", filepath.Join(keys, "core.pub"))
	if err := json.Unmarshal([]byte(r.stdout), &insp); err != nil {
		t.Fatal(err)
	}
	var sources int
	for _, ref := range insp.Referrers {
		if ref.ArtifactType == "application/vnd.kitbash.kit.sources.v1+tar" {
			sources++
		}
	}
	if sources != 1 || len(insp.Referrers) != 3 {
		t.Fatalf("the kit carries %d sources among %d referrers: %s", sources, len(insp.Referrers), r.stdout)
	}
	var again struct {
		Uploaded    struct{ Blobs int }
		Attachments []struct {
			ArtifactType string
			Uploaded     bool
		}
	}
	r = a.ok(t, "-o", "json", "publish", "kit", "core", "--to", registry+"/core", "--key", filepath.Join(keys, "core.key"))
	if err := json.Unmarshal([]byte(r.stdout), &again); err != nil {
		t.Fatal(err)
	}
	for _, at := range again.Attachments {
		if at.Uploaded {
			t.Errorf("re-publish attached %s again", at.ArtifactType)
		}
	}
	if again.Uploaded.Blobs != 0 || len(again.Attachments) != 3 {
		t.Fatalf("re-publish: %s", r.stdout)
	}

	rb := newRebuilder(t, a, "rebuilder")
	start := time.Now()
	rep, res := rb.rebuild(t, registry+"/core:0.1.0", "--key", filepath.Join(keys, "core.pub"))
	t.Logf("rebuild of the core kit (%d packages, BuildKit cache shared): %s", len(rep.Packages), time.Since(start).Round(time.Millisecond))
	if res.code != 0 || !rep.Match || rep.Digest != digest || rep.Rebuilt != digest || rep.SignedBy != pub.KeyID || !strings.HasPrefix(rep.Sources, "sha256:") {
		t.Fatalf("rebuild: exit %d %+v\nstderr:\n%s", res.code, rep, lastLines(res.stderr, 40))
	}
	if len(rep.Packages) != len(specNames(t)) {
		t.Errorf("rebuild compared %d packages, the kit has %d", len(rep.Packages), len(specNames(t)))
	}
	for _, p := range rep.Packages {
		if !p.Match || p.Want != p.Got || p.SBOM != p.Want || !strings.HasPrefix(p.Got, "sha256:") {
			t.Errorf("package %+v", p)
		}
	}
	if !strings.Contains(res.stderr, "rebuilding kit core 0.1.0") {
		t.Errorf("no progress line:\n%s", lastLines(res.stderr, 20))
	}
	assertNoPackages(t, rb)

	// A key that did not sign the kit: refused before anything is built.
	a.ok(t, "kit", "keygen", filepath.Join(keys, "other"))
	if r := rb.kb(t, "rebuild", pub.Ref, "--key", filepath.Join(keys, "other.pub")); r.code != 1 || !strings.Contains(r.stderr, "no signature by a trusted key") || strings.Contains(r.stderr, "rebuilding kit") {
		t.Errorf("wrong key: exit %d\n%s", r.code, lastLines(r.stderr, 10))
	}
}

// TestRebuildTamperedKit: a machine whose package store was tampered with (one byte of
// the filesystem package's os-release, its manifest updated to match) publishes the core
// kit; the rebuild from the kit's sources gives the real package, and the mismatch names
// it and exits 3.
func TestRebuildTamperedKit(t *testing.T) {
	registry := startRegistry(t) + "/vendor"
	a, _, shared := fullBuild(t)
	m := newMachine(t, "tampered", "project")
	m.buildkitHost = "unix:///nonexistent/buildkitd.sock" // everything comes from the shared cache
	got := m.buildPackages(t, "--cache-from", shared)
	genuine := got["filesystem"].Files
	tampered := tamperPackage(t, m, got["filesystem"].Inputs, "Kitbash container host", "Kitbash container h0st")
	pub := m.publish(t, "core", "--to", registry+"/core", "--unsigned")

	rb := newRebuilder(t, a, "rebuilder-2")
	start := time.Now()
	rep, res := rb.rebuild(t, pub.Ref)
	t.Logf("rebuild of the tampered kit: %s", time.Since(start).Round(time.Millisecond))
	if res.code != 3 || rep.Match || rep.Rebuilt == rep.Digest {
		t.Fatalf("rebuild of a tampered kit: exit %d %+v\nstderr:\n%s", res.code, rep, lastLines(res.stderr, 40))
	}
	var differ []string
	for _, p := range rep.Packages {
		if !p.Match {
			differ = append(differ, p.Name)
			if p.Want != tampered || p.Got != genuine {
				t.Errorf("package %s: want %s (tampered) got %s (genuine): %+v", p.Name, tampered, genuine, p)
			}
		}
	}
	if strings.Join(differ, ",") != "filesystem" {
		t.Fatalf("differing packages %v, want filesystem: %+v", differ, rep)
	}
	if !strings.Contains(res.stderr, "kitbash: rebuild of "+pub.Ref+" does not match: package filesystem differs (published "+tampered+", rebuilt "+genuine+")") {
		t.Errorf("stderr does not name the package:\n%s", lastLines(res.stderr, 5))
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "package filesystem: the same inputs gave other files") {
		t.Errorf("notes %q", rep.Notes)
	}
	assertNoPackages(t, rb)
}

// tamperPackage replaces old with new (same length) in the stored package built from
// inputs, updates its manifest's files digest to match, and returns that digest.
func tamperPackage(t *testing.T, m *machine, inputs, old, new string) string {
	t.Helper()
	dir := filepath.Join(m.cache, "packages", strings.TrimPrefix(inputs, "sha256:"))
	tarPath, manPath := filepath.Join(dir, "package.tar"), filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != len(new) || strings.Count(string(b), old) != 1 {
		t.Fatalf("test setup: %q is in the package %d times", old, strings.Count(string(b), old))
	}
	b = []byte(strings.Replace(string(b), old, new, 1))
	if err := os.WriteFile(tarPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	var man map[string]any
	mb, err := os.ReadFile(manPath)
	if err != nil || json.Unmarshal(mb, &man) != nil {
		t.Fatalf("manifest %s: %v", manPath, err)
	}
	man["files"].(map[string]any)["digest"] = digest
	mb, _ = json.MarshalIndent(man, "", "  ")
	if err := os.WriteFile(manPath, append(mb, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	return digest
}
