package tufrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

// withMigrations adds migration files (version: content) to a fake image directory.
func withMigrations(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	im, err := imageinfo.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	im.Migrations = map[string]imageinfo.File{}
	for v, data := range files {
		name := im.Variant + "-" + v + "-migration.json"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(data))
		im.Migrations[v] = imageinfo.File{Path: name, Sha256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	}
	b, err := im.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, imageinfo.FileName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRepoAddPublishesMigrationsOfTheSkippedVersions(t *testing.T) {
	_, keys := newKeys(t)
	repo := newRepo(t, keys)
	addImage := func(variant, version string, files map[string]string) *Added {
		t.Helper()
		a, err := Add(repo, keys, variant, version, WithNow(testNow), WithImageDir(withMigrations(t, fakeImage(t, variant, version), files)))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// the first version has nothing to migrate from: its migration is not published
	if a := addImage("dev", "0.1.0", map[string]string{"0.1.0": "m1"}); len(a.Targets) != 3 {
		t.Fatalf("0.1.0 targets %v", a.Targets)
	}
	// 0.2.0 was never published; 0.3.0 carries its migration and its own
	a := addImage("dev", "0.3.0", map[string]string{"0.1.0": "m1", "0.2.0": "m2", "0.3.0": "m3"})
	if got := strings.Join(a.Targets[3:], " "); got != "dev-x86_64-0.2.0-migration.json dev-x86_64-0.3.0-migration.json" {
		t.Fatalf("0.3.0 migration targets %q", got)
	}
	addImage("other", "0.1.0", nil)
	addImage("other", "0.3.0", map[string]string{"0.3.0": "o3"})

	root := readFile(t, filepath.Join(repo, "metadata", "1.root.json"))
	got := downloadAll(t, client(t, serve(t, repo), root))
	m, err := ParseManifest(got["manifest.json"])
	if err != nil {
		t.Fatal(err)
	}
	if l := strings.Join(m.Migrations["(0.1.0, 0.3.0)"], " "); l != "dev-x86_64-0.2.0-migration.json dev-x86_64-0.3.0-migration.json other-x86_64-0.3.0-migration.json" {
		t.Fatalf("(0.1.0, 0.3.0): %q", l)
	}
	if string(got["dev-x86_64-0.3.0-migration.json"]) != "m3" || string(got["other-x86_64-0.3.0-migration.json"]) != "o3" {
		t.Fatalf("migration targets: %q %q", got["dev-x86_64-0.3.0-migration.json"], got["other-x86_64-0.3.0-migration.json"])
	}
	if _, ok := got["dev-x86_64-0.1.0-migration.json"]; ok {
		t.Fatal("0.1.0's migration was published")
	}
	// a published migration's content cannot change
	if _, err := Add(repo, keys, "dev", "0.3.0", WithNow(testNow), WithImageDir(withMigrations(t, fakeImage(t, "dev", "0.3.0"), map[string]string{"0.2.0": "changed"}))); err == nil ||
		!strings.Contains(err.Error(), "already published with other content") {
		t.Fatalf("changed migration: %v", err)
	}
}
