//go:build integration

package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

type builtKitJSON struct {
	Name, Version, Digest string
	Packages              []string
}

func (m *machine) buildKit(t *testing.T, name string, args ...string) builtKitJSON {
	t.Helper()
	var out []builtKitJSON
	r := m.ok(t, append([]string{"-o", "json", "build", "kit", name}, args...)...)
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out) != 1 {
		t.Fatalf("build kit output: %v\n%s", err, r.stdout)
	}
	return out[0]
}

type publishedJSON struct {
	Ref      string
	Uploaded struct {
		Blobs int
		Bytes int64
	}
	Signed string
	KeyID  string
}

func (m *machine) publish(t *testing.T, args ...string) publishedJSON {
	t.Helper()
	var p publishedJSON
	r := m.ok(t, append([]string{"-o", "json", "publish", "kit"}, args...)...)
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("publish output: %v\n%s", err, r.stdout)
	}
	return p
}

// newConsumer makes a project of its own, with kitbash init, that uses the published core
// kit from vendor "core" and adds a kit of its own whose package builds against busybox from
// the vendor's kit and runs with its filesystem.
func newConsumer(t *testing.T, registry, pubKey string) *machine {
	t.Helper()
	m := newMachine(t, "consumer", "my-os")
	for _, p := range []string{"specs", "kits", "agents", "Kitbash.yaml", "Kitbash.lock"} {
		os.RemoveAll(filepath.Join(m.project, p))
	}
	init := exec.Command(h.bin, "init", m.project)
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("kitbash init: %v\n%s", err, out)
	}
	// The distributor pins the same SDK as the vendor: the repository's sdk section and lock.
	repoYAML, err := os.ReadFile(filepath.Join("..", "..", "Kitbash.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sdk := regexp.MustCompile(`(?ms)^sdk:\n.*?\n(?:[^ \n#])`).FindString(string(repoYAML))
	sdk = sdk[:len(sdk)-1]
	made, err := os.ReadFile(filepath.Join(m.project, "Kitbash.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml := regexp.MustCompile(`(?ms)^sdk:\n.*?\n(?:[^ \n#])`).ReplaceAllStringFunc(string(made), func(old string) string { return sdk + old[len(old)-1:] })
	yaml += "\nvendors:\n  core:\n    registry: " + registry + "\n    keys: [keys/core.pub]\nkits:\n  - name: core\n    version: 0.1.0\n    vendor: core\n"
	writeFile(t, filepath.Join(m.project, "Kitbash.yaml"), yaml)
	copyTree(t, filepath.Join(h.project, "Kitbash.lock"), filepath.Join(m.project, "Kitbash.lock"))
	if err := os.MkdirAll(filepath.Join(m.project, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyTree(t, pubKey, filepath.Join(m.project, "keys", "core.pub"))
	writeFile(t, filepath.Join(m.project, "specs", "hello", "package.yaml"), `schema-version: 1
name: hello
version: 1.0.0
release: 1
summary: a greeting built with busybox from the vendor's kit
license: MIT
build-requires: [busybox]
requires: [filesystem]
build: |
  /usr/bin/busybox mkdir -p "$DESTDIR/usr/bin"
  printf '#!/bin/sh\necho hello\n' > "$DESTDIR/usr/bin/hello"
  chmod 755 "$DESTDIR/usr/bin/hello"
test: test "$("$DESTDIR/usr/bin/hello")" = hello
`)
	writeFile(t, filepath.Join(m.project, "kits", "acme", "kit.yaml"), "schema-version: 1\nname: acme\nversion: 0.1.0\nsummary: acme's additions\npackages: [hello]\n")
	return m
}

// TestKitsPublishVerifyConsume: a kit builds to the same digest on two machines, is
// published to a real registry, signed (the cosign CLI accepts the signature), carries
// an SBOM and provenance, re-publishes without uploading, and is consumed by another
// project; a tampered layer, another vendor key and an unsigned kit in a release build
// are refused, and nothing of them is used or kept.
func TestKitsPublishVerifyConsume(t *testing.T) {
	addr, regRoot := startRegistryWithRoot(t)
	registry := addr + "/vendor"
	// Machine a built every package from scratch; machine b, in another directory,
	// imports them from a's cache. Both pack the core kit to the same digest.
	a, _, shared := fullBuild(t)
	b := newMachine(t, "kit-b", "elsewhere/project")
	first := a.buildKit(t, "core")
	second := b.buildKit(t, "core", "--cache-from", shared)
	if first.Digest != second.Digest || len(first.Packages) != len(specNames(t)) {
		t.Fatalf("the core kit built twice: %+v vs %+v", first, second)
	}

	keys := t.TempDir()
	a.ok(t, "kit", "keygen", filepath.Join(keys, "core"))
	a.ok(t, "kit", "keygen", filepath.Join(keys, "other"))
	pub := a.publish(t, "core", "--to", registry+"/core", "--key", filepath.Join(keys, "core.key"))
	if pub.Ref != registry+"/core@"+first.Digest || pub.Uploaded.Blobs < 3 || pub.Signed != "new" {
		t.Fatalf("first publish: %+v", pub)
	}
	again := a.publish(t, "core", "--to", registry+"/core", "--key", filepath.Join(keys, "core.key"))
	if again.Uploaded.Blobs != 0 || again.Uploaded.Bytes != 0 || again.Signed != "already" {
		t.Fatalf("re-publish uploaded %+v, signed %s", again.Uploaded, again.Signed)
	}

	// The real cosign CLI accepts kitbash's signature, and kitbash accepts cosign's.
	cosign, err := filepath.Abs(filepath.Join("..", "..", ".tools", "bin", "cosign"))
	if err != nil {
		t.Fatal(err)
	}
	verify := exec.Command(cosign, "verify", "--key", filepath.Join(keys, "core.pub"), "--insecure-ignore-tlog", "--allow-http-registry", pub.Ref)
	verify.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := verify.CombinedOutput(); err != nil {
		t.Fatalf("cosign verify refused kitbash's signature: %v\n%s", err, out)
	}
	signCmd := exec.Command(cosign, "sign", "--yes", "--key", filepath.Join(keys, "other.key"), "--tlog-upload=false", "--allow-http-registry", pub.Ref)
	signCmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "COSIGN_PASSWORD="+keyPassword)
	if out, err := signCmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign sign with a kitbash key: %v\n%s", err, out)
	}
	a.ok(t, "kit", "verify", pub.Ref, "--key", filepath.Join(keys, "other.pub"))

	var insp struct {
		Kit        struct{ Packages []json.RawMessage }
		Signatures []struct{ KeyID string }
		Referrers  []struct{ ArtifactType string }
		SBOM       struct{ Packages int }
	}
	r := a.ok(t, "-o", "json", "kit", "inspect", registry+"/core:0.1.0", "--key", filepath.Join(keys, "core.pub"))
	if err := json.Unmarshal([]byte(r.stdout), &insp); err != nil {
		t.Fatal(err)
	}
	if len(insp.Kit.Packages) != len(first.Packages) || len(insp.Signatures) == 0 || insp.Signatures[0].KeyID != pub.KeyID || len(insp.Referrers) != 3 || insp.SBOM.Packages < 3 {
		t.Fatalf("inspect: %s", r.stdout)
	}
	if r := a.kb(t, "kit", "verify", pub.Ref, "--key", filepath.Join(keys, "core.pub"), "--key", filepath.Join(t.TempDir(), "missing.pub")); r.code == 0 {
		t.Fatal("verify with a missing key file passed")
	}

	// A consumer project uses the kit and adds its own.
	c := newConsumer(t, registry, filepath.Join(keys, "core.pub"))
	c.ok(t, "update")
	lock, err := os.ReadFile(filepath.Join(c.project, "Kitbash.lock"))
	if err != nil || !strings.Contains(string(lock), "digest: "+first.Digest) || !strings.Contains(string(lock), "signer: "+pub.KeyID) {
		t.Fatalf("lock: %v\n%s", err, lock)
	}
	acme := c.buildKit(t, "acme")
	if strings.Join(acme.Packages, ",") != "hello" {
		t.Fatalf("acme kit carries %v", acme.Packages)
	}
	c.ok(t, "build", "packages", "--release")

	// A key the kit is not signed with: refused before anything is pulled.
	a.ok(t, "kit", "keygen", filepath.Join(keys, "third"))
	d := newConsumer(t, registry, filepath.Join(keys, "third.pub"))
	if r := d.kb(t, "update"); r.code == 0 || !strings.Contains(r.stderr, "no signature by a trusted key") {
		t.Fatalf("untrusted key: exit %d\n%s", r.code, r.stderr)
	}
	assertNotStored(t, d, first.Digest)

	// An unsigned kit: refused by update, locked only with --allow-unsigned, warned about
	// on every build, refused by a release build.
	kitYAML := filepath.Join(b.project, "kits", "core", "kit.yaml")
	body, err := os.ReadFile(kitYAML)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, kitYAML, strings.Replace(string(body), "version: 0.1.0", "version: 0.1.1", 1))
	b.publish(t, "core", "--to", registry+"/core", "--unsigned")
	e := newConsumer(t, registry, filepath.Join(keys, "core.pub"))
	yaml, _ := os.ReadFile(filepath.Join(e.project, "Kitbash.yaml"))
	writeFile(t, filepath.Join(e.project, "Kitbash.yaml"), strings.Replace(string(yaml), "version: 0.1.0\n    vendor: core", "version: 0.1.1\n    vendor: core", 1))
	if r := e.kb(t, "update"); r.code == 0 || !strings.Contains(r.stderr, "unsigned") {
		t.Fatalf("unsigned kit accepted: exit %d\n%s", r.code, r.stderr)
	}
	e.ok(t, "update", "--allow-unsigned")
	if r := e.kb(t, "build", "packages"); r.code == 0 || !strings.Contains(r.stderr, "--allow-unsigned") {
		t.Fatalf("build with an unsigned kit: exit %d\n%s", r.code, r.stderr)
	}
	if r := e.ok(t, "build", "packages", "--allow-unsigned"); !strings.Contains(r.stderr, "WARNING: using unsigned kit core 0.1.1") {
		t.Fatalf("no warning:\n%s", r.stderr)
	}
	if r := e.kb(t, "build", "packages", "--release", "--allow-unsigned"); r.code == 0 || !strings.Contains(r.stderr, "release builds use only kits signed by a trusted key") {
		t.Fatalf("release build with an unsigned kit: exit %d\n%s", r.code, r.stderr)
	}

	// A tampered layer: the registry serves other bytes for a package; the pull is
	// refused and the store keeps neither the kit nor the layer.
	corruptBlob(t, regRoot)
	f := newConsumer(t, registry, filepath.Join(keys, "core.pub"))
	if r := f.kb(t, "update"); r.code == 0 {
		t.Fatal("a tampered kit was pulled")
	}
	assertNotStored(t, f, first.Digest)
}

// corruptBlob overwrites the content of the kit's largest layer in the registry's storage.
func corruptBlob(t *testing.T, root string) {
	t.Helper()
	var biggest string
	var size int64
	filepath.Walk(filepath.Join(root, "docker", "registry", "v2", "blobs"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Name() == "data" && fi.Size() > size {
			biggest, size = p, fi.Size()
		}
		return nil
	})
	if biggest == "" {
		t.Fatal("no blob found in the registry storage")
	}
	b, err := os.ReadFile(biggest)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(biggest, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// assertNotStored fails when the machine's OCI store holds the kit's index.
func assertNotStored(t *testing.T, m *machine, digest string) {
	t.Helper()
	p := filepath.Join(m.cache, "oci", "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
	if _, err := os.Stat(p); err == nil {
		t.Fatalf("the refused kit %s is in the store", digest)
	}
}
