package project

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testSDK() SDK {
	return SDK{Name: "kitbash-sdk", Suite: "bookworm", GoVersion: "1.26.8", Packages: []string{"make", "bash"}}
}

func TestInputsDigest(t *testing.T) {
	s := testSDK()
	d := s.InputsDigest()
	if !digestRE.MatchString(d) {
		t.Fatalf("digest %q", d)
	}
	withRegistry := s
	withRegistry.Registry = "127.0.0.1:5000/x/sdk"
	if withRegistry.InputsDigest() != d {
		t.Error("the registry must not change the inputs digest")
	}
	for name, change := range map[string]func(*SDK){
		"name":     func(s *SDK) { s.Name = "other" },
		"suite":    func(s *SDK) { s.Suite = "trixie" },
		"go":       func(s *SDK) { s.GoVersion = "1.26.9" },
		"packages": func(s *SDK) { s.Packages = append(s.Packages, "zstd") },
		"order":    func(s *SDK) { s.Packages = []string{"bash", "make"} },
	} {
		c := testSDK()
		change(&c)
		if c.InputsDigest() == d {
			t.Errorf("changing %s must change the inputs digest", name)
		}
	}
	// Pinned: a change here invalidates every Kitbash.lock in the wild.
	if got := (SDK{Name: "a", Suite: "b", GoVersion: "1.1"}).InputsDigest(); got != "sha256:"+sha256hex(`{"name":"a","suite":"b","go-version":"1.1","packages":[]}`) {
		t.Errorf("canonical encoding changed: %s", got)
	}
}

func TestSDKFresh(t *testing.T) {
	p := Project{SDK: testSDK()}
	l := Lock{SDK: LockedSDK{Name: "kitbash-sdk", Digest: "sha256:" + strings.Repeat("1", 64), Inputs: p.SDK.InputsDigest()}}
	if err := l.SDKFresh(p); err != nil {
		t.Errorf("fresh lock: %v", err)
	}
	stale := l
	stale.SDK.Inputs = "sha256:" + strings.Repeat("2", 64)
	if err := stale.SDKFresh(p); !errors.Is(err, ErrSDKStale) || !strings.Contains(err.Error(), "kitbash sdk build") || !strings.Contains(err.Error(), "kitbash sdk pull REF@DIGEST") {
		t.Errorf("stale lock: %v", err)
	}
	if err := (Lock{}).SDKFresh(p); !errors.Is(err, ErrSDKStale) || !strings.Contains(err.Error(), "records no SDK") {
		t.Errorf("empty lock: %v", err)
	}
}

func TestLockFiles(t *testing.T) {
	if _, err := parseLock(LockName, readTestdata(t, "valid.lock")); err != nil {
		t.Errorf("valid.lock: %v", err)
	}
	_, err := parseLock(LockName, readTestdata(t, "bad.lock"))
	want := strings.Join([]string{
		`Kitbash.lock:4: sdk.digest: "sha256:abc" is not a sha256 digest; fix: write sha256: followed by 64 lowercase hex digits; let kitbash write Kitbash.lock rather than editing it`,
		`Kitbash.lock:7: sdk.packages[0]: package "bash" has no version; fix: write "name=version"; let kitbash write Kitbash.lock rather than editing it`,
		`Kitbash.lock:9: missing required field "kits[0].source"; fix: write the reference the kit was fetched from`,
		`Kitbash.lock:13: kits[1].name: kit "core" is locked twice (first at line 9); fix: remove one of them`,
		`Kitbash.lock:13: kits[1].version: "1.2" is not a semantic version (MAJOR.MINOR.PATCH[-pre]); fix: write MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 0.1.0 or 1.2.0-rc.1`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("bad.lock: got\n%v\nwant\n%s", err, want)
	}
}

func testLock() Lock {
	digest := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	return Lock{
		SDK: LockedSDK{Name: "kitbash-sdk", Digest: digest("a"), Inputs: digest("b"),
			Packages: []string{"make=4.3-4.1", "bash=5.2.15-2+b7"}},
		Kits: []LockedKit{
			{Name: "zeta", Version: "1.0.0", Vendor: "core", Source: "r/zeta:1.0.0", Digest: digest("c")},
			{Name: "alpha", Version: "2.0.0", Vendor: "core", Source: "r/alpha:2.0.0", Digest: digest("d")},
		},
	}
}

func TestWriteLockRoundTrip(t *testing.T) {
	dir := t.TempDir()
	l := &Loaded{Dir: dir}
	lock := testLock()
	if err := l.WriteLock(lock); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(filepath.Join(dir, LockName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(first), "# Kitbash.lock") || strings.Index(string(first), "alpha") > strings.Index(string(first), "zeta") ||
		strings.Index(string(first), "bash=") > strings.Index(string(first), "make=") {
		t.Errorf("lock not sorted or without header:\n%s", first)
	}
	if lock.Kits[0].Name != "zeta" {
		t.Error("WriteLock must not reorder the caller's slices")
	}
	if err := l.WriteLock(lock); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, LockName))
	if string(first) != string(second) {
		t.Errorf("two writes differ:\n%s\n---\n%s", first, second)
	}
	back, err := parseLock(LockName, first)
	if err != nil {
		t.Fatalf("written lock does not parse: %v\n%s", err, first)
	}
	if back.SchemaVersion != 1 || back.Kits[0].Name != "alpha" || back.SDK.Packages[0] != "bash=5.2.15-2+b7" || back.SDK.Digest != lock.SDK.Digest {
		t.Errorf("round trip: %+v", back)
	}
	if !l.LockExists || l.Lock.Kits[0].Name != "alpha" {
		t.Errorf("Loaded not updated: %+v", l)
	}
	// An empty lock is written with kits: [] and no sdk section, and reads back.
	if err := l.WriteLock(Lock{}); err != nil {
		t.Fatal(err)
	}
	empty, _ := os.ReadFile(filepath.Join(dir, LockName))
	if !strings.HasSuffix(string(empty), "schema-version: 1\nkits: []\n") {
		t.Errorf("empty lock:\n%s", empty)
	}
	if _, err := parseLock(LockName, empty); err != nil {
		t.Errorf("empty lock does not parse: %v", err)
	}
}

func TestWriteLockFailures(t *testing.T) {
	dir := t.TempDir()
	l := &Loaded{Dir: dir}
	bad := testLock()
	bad.SDK.Digest = "nope"
	if err := l.WriteLock(bad); err == nil || !strings.Contains(err.Error(), "sdk.digest") {
		t.Errorf("invalid lock written: %v", err)
	}
	// Make the rename fail: Kitbash.lock is a non-empty directory.
	if err := os.MkdirAll(filepath.Join(dir, LockName, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := l.WriteLock(testLock()); err == nil {
		t.Fatal("WriteLock over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != LockName {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left behind: %v", names)
	}
	if l.LockExists {
		t.Error("a failed write must not mark the lock as existing")
	}
}

func TestLockNormalizedDropsRepeatedPackages(t *testing.T) {
	l := testLock()
	l.SDK.Packages = []string{"make=4.3-4.1", "libc6=2.36-9", "make=4.3-4.1", "libc6=2.36-9"}
	n := l.normalized()
	if want := []string{"libc6=2.36-9", "make=4.3-4.1"}; strings.Join(n.SDK.Packages, ",") != strings.Join(want, ",") {
		t.Errorf("packages %v, want %v", n.SDK.Packages, want)
	}
	if err := n.Validate(nil); err != nil {
		t.Error(err)
	}
	if l.SDK.Packages[0] != "make=4.3-4.1" {
		t.Error("normalized must not change the caller's slice")
	}
}
