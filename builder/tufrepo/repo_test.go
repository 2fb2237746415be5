package tufrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func TestRepoAddSecondVersionKeepsFirst(t *testing.T) {
	_, keys := newKeys(t)
	repo := newRepo(t, keys)
	a1 := add(t, repo, keys, "dev", "0.1.0")
	if a1.TargetsVersion != 2 || a1.MaxVersion != "0.1.0" {
		t.Fatalf("first add: %+v", a1)
	}
	a2 := add(t, repo, keys, "dev", "0.2.0", WithWavePolicy("accelerated"))
	if a2.TargetsVersion != 3 || a2.MaxVersion != "0.2.0" {
		t.Fatalf("second add: %+v", a2)
	}

	root := readFile(t, filepath.Join(repo, "metadata", "1.root.json"))
	got := downloadAll(t, client(t, serve(t, repo), root))
	want := []string{"manifest.json",
		"dev-x86_64-0.1.0-boot.zst", "dev-x86_64-0.1.0-root.zst", "dev-x86_64-0.1.0-hash.zst",
		"dev-x86_64-0.2.0-boot.zst", "dev-x86_64-0.2.0-root.zst", "dev-x86_64-0.2.0-hash.zst"}
	if len(got) != len(want) {
		t.Fatalf("targets %v, want %v", keysOf(got), want)
	}
	for _, n := range want {
		if _, ok := got[n]; !ok {
			t.Fatalf("target %s missing; have %v", n, keysOf(got))
		}
	}
	if s := string(got["dev-x86_64-0.1.0-root.zst"]); s != "root image of dev 0.1.0\n" {
		t.Fatalf("0.1.0 root target %q", s)
	}

	m, err := ParseManifest(got["manifest.json"])
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Updates) != 2 || m.Updates[0].Version != "0.2.0" || m.Updates[1].Version != "0.1.0" {
		t.Fatalf("updates %+v", m.Updates)
	}
	for _, u := range m.Updates {
		if u.MaxVersion != "0.2.0" || u.Arch != "x86_64" || u.Variant != "dev" {
			t.Fatalf("update %+v", u)
		}
		if u.Images.Root != "dev-x86_64-"+u.Version+"-root.zst" {
			t.Fatalf("images %+v", u.Images)
		}
		last := u.Waves[len(u.Waves)-1]
		if last.Seed != MaxSeed {
			t.Fatalf("last wave %+v", last)
		}
	}
	if w := m.Updates[1].Waves; w[0].Seed != 20 || !w[0].Start.Equal(testNow.Add(time.Hour)) || !w[len(w)-1].Start.Equal(testNow.Add(6*24*time.Hour)) {
		t.Fatalf("default waves of 0.1.0: %+v", w)
	}
	if w := m.Updates[0].Waves; !w[len(w)-1].Start.Equal(testNow.Add(24 * time.Hour)) {
		t.Fatalf("accelerated waves of 0.2.0: %+v", w)
	}
	if l, ok := m.Migrations["(0.1.0, 0.2.0)"]; !ok || l == nil || len(l) != 0 {
		t.Fatalf("migrations %v", m.Migrations)
	}
	if !bytes.Contains(got["manifest.json"], []byte(`"(0.1.0, 0.2.0)": []`)) {
		t.Fatalf("manifest:\n%s", got["manifest.json"])
	}

	// Publishing the same version again changes nothing; changing its content is refused.
	again := add(t, repo, keys, "dev", "0.2.0", WithWavePolicy("accelerated"))
	if !again.Unchanged || again.TargetsVersion != 3 {
		t.Fatalf("re-add: %+v", again)
	}
	img := fakeImage(t, "dev", "0.2.0")
	os.WriteFile(filepath.Join(img, "dev-0.2.0-root.zst"), []byte("other"), 0o644)
	if _, err := Add(repo, keys, "dev", "0.2.0", WithNow(testNow), WithImageDir(img)); err == nil || !strings.Contains(err.Error(), "image.json says") {
		t.Fatalf("changed image accepted: %v", err)
	}
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRepoRotateRoot(t *testing.T) {
	_, oldKeys := newKeys(t)
	repo := newRepo(t, oldKeys)
	add(t, repo, oldKeys, "dev", "0.1.0")
	oldRoot := readFile(t, filepath.Join(repo, "metadata", "1.root.json"))

	_, newKeys := newKeys(t, WithRootThreshold(2), WithRootKeys(3))
	rot, err := RotateRoot(repo, oldKeys, newKeys, WithNow(testNow))
	if err != nil {
		t.Fatal(err)
	}
	if rot.RootVersion != 2 {
		t.Fatalf("rotated to %d", rot.RootVersion)
	}
	base := serve(t, repo)
	up := client(t, base, oldRoot)
	got := downloadAll(t, up)
	if len(got) != 4 {
		t.Fatalf("targets after rotation: %v", keysOf(got))
	}
	if v := up.GetTrustedMetadataSet().Root.Signed.Version; v != 2 {
		t.Fatalf("client trusts root %d, want 2", v)
	}
	// The new root carries threshold signatures of both key sets.
	r2, err := metadata.Root().FromFile(filepath.Join(repo, "metadata", "2.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.Signatures) != 1+3 {
		t.Fatalf("%d signatures on root 2", len(r2.Signatures))
	}

	// Metadata signed only by a removed key is refused: a timestamp signed with the old
	// timestamp key...
	ts := filepath.Join(repo, "metadata", "timestamp.json")
	good := readFile(t, ts)
	r, err := openRepo(repo)
	if err != nil {
		t.Fatal(err)
	}
	r.timestamp.Signed.Version++
	if err := signMeta(r.timestamp, oldKeys.Roles["timestamp"].Signers); err != nil {
		t.Fatal(err)
	}
	b, _ := encode(r.timestamp)
	os.WriteFile(ts, b, 0o644)
	if err := client(t, base, oldRoot).Refresh(); err == nil {
		t.Fatal("timestamp signed by the removed key was accepted")
	} else if !strings.Contains(err.Error(), "not enough signatures") {
		t.Fatalf("timestamp refused for another reason: %v", err)
	}
	os.WriteFile(ts, good, 0o644)
	if err := client(t, base, oldRoot).Refresh(); err != nil {
		t.Fatalf("restored: %v", err)
	}

	// ...and a root version 3 signed only by the old root key.
	r3 := metadata.Root(testNow.Add(time.Hour * 24 * 30))
	r3.Signed.Version = 3
	if err := setRootKeys(&r3.Signed, oldKeys); err != nil {
		t.Fatal(err)
	}
	if err := signMeta(r3, oldKeys.Roles["root"].Signers); err != nil {
		t.Fatal(err)
	}
	b, _ = encode(r3)
	os.WriteFile(filepath.Join(repo, "metadata", "3.root.json"), b, 0o644)
	err = client(t, base, oldRoot).Refresh()
	if err == nil {
		t.Fatal("root 3 signed only by the removed root key was accepted")
	}
	if !strings.Contains(err.Error(), "not enough signatures") {
		t.Fatalf("root 3 refused for another reason: %v", err)
	}
}

func TestRepoCheckExpirations(t *testing.T) {
	_, keys := newKeys(t)
	repo := newRepo(t, keys)
	within := WithWithin(72 * time.Hour)
	if _, err := CheckExpirations(repo, WithNow(testNow), within); err != nil {
		t.Fatalf("fresh repository: %v", err)
	}
	_, err := CheckExpirations(repo, WithNow(testNow.Add(5*24*time.Hour)), within)
	var ee *ExpiryError
	if !errors.As(err, &ee) || len(ee.Expiring) != 1 || ee.Expiring[0].Role != "timestamp" || ee.Expiring[0].Expired {
		t.Fatalf("5 days on: %v", err)
	}
	_, err = CheckExpirations(repo, WithNow(testNow.Add(12*24*time.Hour)), within)
	if !errors.As(err, &ee) || len(ee.Expiring) != 3 || !strings.Contains(err.Error(), "timestamp (version 1) expired") {
		t.Fatalf("12 days on: %v", err)
	}

	// A refresh 5 days on moves timestamp and snapshot, not targets.
	later := testNow.Add(5 * 24 * time.Hour)
	if _, err := Refresh(repo, keys, WithNow(later)); err != nil {
		t.Fatal(err)
	}
	all, err := CheckExpirations(repo, WithNow(later), within)
	if err != nil {
		t.Fatalf("after refresh: %v", err)
	}
	if all[1].Version != 1 || all[2].Version != 2 || all[3].Version != 2 {
		t.Fatalf("versions after refresh %+v", all)
	}
	root := readFile(t, filepath.Join(repo, "metadata", "1.root.json"))
	if _, err := Validate(repo, root, WithNow(later.Add(6*24*time.Hour))); err != nil {
		t.Fatalf("validate after refresh: %v", err)
	}
}

func TestRepoValidateReportsTamperedTarget(t *testing.T) {
	_, keys := newKeys(t)
	repo := newRepo(t, keys)
	add(t, repo, keys, "dev", "0.1.0")
	root := readFile(t, filepath.Join(repo, "metadata", "root.json"))
	base := serve(t, repo)
	for _, where := range []string{repo, base} {
		v, err := Validate(where, root, WithNow(testNow))
		if err != nil {
			t.Fatalf("validate %s: %v", where, err)
		}
		if len(v.Targets) != 4 || v.Updates != 1 {
			t.Fatalf("validated %+v", v)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(repo, "targets", "*.dev-x86_64-0.1.0-root.zst"))
	if len(matches) != 1 {
		t.Fatalf("target files %v", matches)
	}
	if err := os.WriteFile(matches[0], []byte("root image of dev 0.1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, where := range []string{repo, base} {
		_, err := Validate(where, root, WithNow(testNow))
		if err == nil || !strings.Contains(err.Error(), "target dev-x86_64-0.1.0-root.zst") || strings.Contains(err.Error(), "hash.zst") {
			t.Fatalf("validate %s after tampering: %v", where, err)
		}
	}
	// Expired metadata fails validation too.
	if _, err := Validate(repo, root, WithNow(testNow.Add(8*24*time.Hour))); err == nil || !strings.Contains(err.Error(), "metadata") {
		t.Fatalf("expired timestamp: %v", err)
	}
}

func TestRepoDeterministic(t *testing.T) {
	_, keys := newKeys(t)
	img1, img2 := fakeImage(t, "dev", "0.1.0"), fakeImage(t, "dev", "0.2.0")
	build := func() string {
		repo := filepath.Join(t.TempDir(), "repo")
		if _, err := Create(repo, keys, WithNow(testNow)); err != nil {
			t.Fatal(err)
		}
		for _, a := range []struct{ v, dir string }{{"0.1.0", img1}, {"0.2.0", img2}} {
			if _, err := Add(repo, keys, "dev", a.v, WithNow(testNow), WithImageDir(a.dir), WithReleaseStart(testNow.Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		return repo
	}
	a, b := build(), build()
	files := tree(t, a)
	if len(files) < 10 {
		t.Fatalf("only %d files", len(files))
	}
	if other := tree(t, b); fmt.Sprint(keysOfS(other)) != fmt.Sprint(keysOfS(files)) {
		t.Fatalf("file lists differ:\n%v\n%v", keysOfS(files), keysOfS(other))
	}
	for rel, data := range files {
		if !bytes.Equal(data, readFile(t, filepath.Join(b, rel))) {
			t.Fatalf("%s differs between runs", rel)
		}
	}
}

func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = readFile(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keysOfS(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
