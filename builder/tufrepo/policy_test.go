package tufrepo

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func sortStrings(s []string) { sort.Strings(s) }

func TestRepoExpiryPolicy(t *testing.T) {
	p, err := ParseExpiryPolicy([]byte("root: 26w\ntimestamp: 1w2d\nsnapshot: 36h\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := ExpiryPolicy{Root: 26 * week, Targets: 2 * week, Snapshot: 36 * time.Hour, Timestamp: week + 48*time.Hour}
	if p != want {
		t.Fatalf("got %+v", p)
	}
	if _, err := ParseExpiryPolicy([]byte("tiemstamp: 1w\n")); err == nil || !strings.Contains(err.Error(), "tiemstamp") {
		t.Fatalf("unknown key: %v", err)
	}
	if _, err := ParseExpiryPolicy([]byte("root: soon\n")); err == nil || !strings.Contains(err.Error(), "root") {
		t.Fatalf("bad duration: %v", err)
	}
	if p, err := ParseExpiryPolicy(nil); err != nil || p != DefaultExpiryPolicy() {
		t.Fatalf("empty file: %+v %v", p, err)
	}

	// The policy drives the expiry dates Create writes.
	f := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(f, []byte("timestamp: 1d\n"), 0o644)
	pol, err := ReadExpiryPolicy(f)
	if err != nil {
		t.Fatal(err)
	}
	_, keys := newKeys(t)
	repo := filepath.Join(t.TempDir(), "repo")
	if _, err := Create(repo, keys, WithNow(testNow), WithExpiryPolicy(pol)); err != nil {
		t.Fatal(err)
	}
	all, err := CheckExpirations(repo, WithNow(testNow))
	if err != nil {
		t.Fatal(err)
	}
	if !all[3].Expires.Equal(testNow.Add(24*time.Hour)) || !all[0].Expires.Equal(testNow.Add(52*week)) {
		t.Fatalf("expiries %+v", all)
	}
}

func TestRepoKeys(t *testing.T) {
	dir, keys := newKeys(t, WithRootThreshold(2))
	if keys.Roles["root"].Threshold != 2 || len(keys.Roles["root"].Signers) != 2 || len(keys.Roles["targets"].Signers) != 1 {
		t.Fatalf("keys %+v", keys.Roles["root"])
	}
	if keys.Roles["root"].IDs[0] == keys.Roles["targets"].IDs[0] {
		t.Fatal("root and targets share a key")
	}
	fi, err := os.Stat(filepath.Join(dir, "root-1.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("root-1.key: %v %v", fi.Mode(), err)
	}
	if _, err := GenerateKeys(dir); err == nil {
		t.Fatal("overwrote keys")
	}
	// Root keys offline: publishing still works, creating does not.
	os.Remove(filepath.Join(dir, "root-1.key"))
	k2, err := LoadKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "r"), k2, WithNow(testNow)); err == nil || !strings.Contains(err.Error(), "root needs 2 signatures") {
		t.Fatalf("create without root keys: %v", err)
	}
	repo := newRepo(t, keys)
	add(t, repo, k2, "dev", "1.0.0")
	// Keys of another repository are refused with a clear error.
	_, other := newKeys(t)
	if _, err := Refresh(repo, other, WithNow(testNow)); err == nil || !strings.Contains(err.Error(), "do not satisfy") {
		t.Fatalf("foreign keys: %v", err)
	}
}
