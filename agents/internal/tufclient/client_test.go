package tufclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var ctx = context.Background()

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want it to contain %q", err, want)
	}
}

func mustRefresh(t *testing.T, c *Client) {
	t.Helper()
	if err := c.Refresh(ctx); err != nil {
		t.Fatalf("refresh: %v", err)
	}
}

func download(c *Client, name string) ([]byte, error) {
	var b bytes.Buffer
	err := c.Download(ctx, name, &b)
	return b.Bytes(), err
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var twoTargets = map[string][]byte{
	"dev-x86_64-0.2.0-root.zst": []byte("root image of dev 0.2.0\n"),
	"manifest.json":             []byte(`{"updates":[]}` + "\n"),
}

func TestRefreshAndDownload(t *testing.T) {
	for _, consistent := range []bool{true, false} {
		t.Run(map[bool]string{true: "consistent", false: "plain"}[consistent], func(t *testing.T) {
			r := newTestRepo(t, nil)
			r.consistent = consistent
			r.targets = twoTargets
			root := r.writeRoot(1, testNow.Add(365*24*time.Hour), r.keys[roleRoot]...)
			r.publish()
			srv := serve(t, r.dir)
			c := newTestClient(t, root, srv)
			if _, err := c.Target("manifest.json"); err == nil {
				t.Fatal("Target before Refresh: no error")
			}
			mustRefresh(t, c)
			if v := c.Versions(); v != (Versions{Root: 1, Timestamp: 2, Snapshot: 2, Targets: 2}) {
				t.Fatalf("versions %+v", v)
			}
			names, err := c.Targets()
			if err != nil || strings.Join(names, ",") != "dev-x86_64-0.2.0-root.zst,manifest.json" {
				t.Fatalf("targets %q, %v", names, err)
			}
			for name, want := range twoTargets {
				ti, err := c.Target(name)
				if err != nil {
					t.Fatal(err)
				}
				if ti.Length != int64(len(want)) || hex.EncodeToString(ti.SHA256) != sha(want) || len(ti.SHA512) != 64 {
					t.Fatalf("target info %+v", ti)
				}
				got, err := download(c, name)
				if err != nil {
					t.Fatalf("download %s: %v", name, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("download %s: %q, want %q", name, got, want)
				}
			}
			_, err = c.Target("nope")
			if !errors.Is(err, ErrUnknownTarget) {
				t.Fatalf("unknown target: %v", err)
			}
			wantErr(t, err, "tuf: target nope: not listed")
		})
	}
}

func TestTamperedTarget(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	name := "dev-x86_64-0.2.0-root.zst"
	bad := bytes.ToUpper(twoTargets[name]) // same length
	r.write("targets/"+sha(twoTargets[name])+"."+name, bad)
	c := newTestClient(t, r.raw["1.root.json"], serve(t, r.dir))
	mustRefresh(t, c)
	_, err := download(c, name)
	wantErr(t, err, "tuf: target dev-x86_64-0.2.0-root.zst: sha256 mismatch (got "+sha(bad)+", want "+sha(twoTargets[name])+")")
}

func TestShortTarget(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	name := "manifest.json"
	r.write("targets/"+sha(twoTargets[name])+"."+name, []byte("{}"))
	c := newTestClient(t, r.raw["1.root.json"], serve(t, r.dir))
	mustRefresh(t, c)
	_, err := download(c, name)
	wantErr(t, err, "tuf: target manifest.json: shorter than its 15 bytes (got 2)")
}

func TestOversizedTarget(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	name := "dev-x86_64-0.2.0-root.zst"
	r.write("targets/"+sha(twoTargets[name])+"."+name, append(bytes.Clone(twoTargets[name]), "and then some"...))
	srv := serve(t, r.dir)
	want := "tuf: target dev-x86_64-0.2.0-root.zst: longer than its 24 bytes"

	c := newTestClient(t, r.raw["1.root.json"], srv)
	mustRefresh(t, c)
	_, err := download(c, name)
	wantErr(t, err, want)

	// A fetcher that ignores the limit cannot make the client take more.
	c = newTestClient(t, r.raw["1.root.json"], srv, WithFetcher(unlimitedFetcher{}))
	mustRefresh(t, c)
	got, err := download(c, name)
	wantErr(t, err, want)
	if len(got) > 24 {
		t.Fatalf("wrote %d bytes, more than the target's 24", len(got))
	}
}

// unlimitedFetcher is an HTTP fetcher that does not enforce maxLength.
type unlimitedFetcher struct{}

func (unlimitedFetcher) Fetch(ctx context.Context, url string, _ int64) (io.ReadCloser, error) {
	return (&HTTPFetcher{}).Fetch(ctx, url, 1<<40)
}

func TestExpiredTimestamp(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	r.writeTimestamp(2, testNow.Add(30*time.Minute), 1, r.keys[roleTimestamp]...)
	c := newTestClient(t, r.raw["1.root.json"], serve(t, r.dir)) // at testNow + 1h
	wantErr(t, c.Refresh(ctx), "tuf: timestamp: expired at 2025-03-01T12:30:00Z")
	if _, err := c.Target("manifest.json"); err == nil {
		t.Fatal("Target after a failed Refresh: no error")
	}
}

func TestExpiredSnapshotAndTargets(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	soon := testNow.Add(30 * time.Minute)
	r.writeSnapshot(2, soon, 1, r.keys[roleSnapshot]...)
	r.writeTimestamp(2, r.expires, 2, r.keys[roleTimestamp]...)
	srv := serve(t, r.dir)
	wantErr(t, newTestClient(t, r.raw["1.root.json"], srv).Refresh(ctx), "tuf: snapshot: expired at 2025-03-01T12:30:00Z")

	r.writeTargets(2, soon, r.keys[roleTargets]...)
	r.writeSnapshot(3, r.expires, 2, r.keys[roleSnapshot]...)
	r.writeTimestamp(3, r.expires, 3, r.keys[roleTimestamp]...)
	wantErr(t, newTestClient(t, r.raw["1.root.json"], srv).Refresh(ctx), "tuf: targets: expired at 2025-03-01T12:30:00Z")
}

func TestExpiredRoot(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	root := r.writeRoot(1, testNow.Add(30*time.Minute), r.keys[roleRoot]...)
	c := newTestClient(t, root, serve(t, r.dir))
	wantErr(t, c.Refresh(ctx), "tuf: root: version 1 expired at 2025-03-01T12:30:00Z")
	// A newer root in the repository rescues the client.
	r.writeRoot(2, testNow.Add(24*time.Hour), r.keys[roleRoot]...)
	mustRefresh(t, c)
}

func TestSnapshotRollback(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	r.publish() // snapshot 2
	cache := t.TempDir()
	srv := serve(t, r.dir)
	c := newTestClient(t, r.raw["1.root.json"], srv, WithCacheDir(cache))
	mustRefresh(t, c)

	// A new timestamp pointing at the old snapshot 1.
	r.writeTimestamp(3, r.expires, 1, r.keys[roleTimestamp]...)
	wantErr(t, c.Refresh(ctx), "tuf: timestamp: lists snapshot version 1, older than trusted snapshot version 2 (rollback)")

	// Without a trusted timestamp (lost from the cache), the snapshot check catches it.
	if err := os.Remove(filepath.Join(cache, timestampFile)); err != nil {
		t.Fatal(err)
	}
	c = newTestClient(t, r.raw["1.root.json"], srv, WithCacheDir(cache))
	wantErr(t, c.Refresh(ctx), "tuf: snapshot: version 1 is older than trusted version 2 (rollback)")

	// An old timestamp is refused too.
	r.writeTimestamp(1, r.expires, 1, r.keys[roleTimestamp]...)
	c = newTestClient(t, r.raw["1.root.json"], srv)
	r.writeTimestamp(4, r.expires, 2, r.keys[roleTimestamp]...)
	mustRefresh(t, c)
	r.writeTimestamp(3, r.expires, 2, r.keys[roleTimestamp]...)
	wantErr(t, c.Refresh(ctx), "tuf: timestamp: version 3 is older than trusted version 4 (rollback)")
}

func TestTargetsRollback(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	r.publish() // targets 2, snapshot 2
	cache := t.TempDir()
	srv := serve(t, r.dir)
	c := newTestClient(t, r.raw["1.root.json"], srv, WithCacheDir(cache))
	mustRefresh(t, c)

	// A new snapshot listing the old targets 1.
	r.writeSnapshot(3, r.expires, 1, r.keys[roleSnapshot]...)
	r.writeTimestamp(3, r.expires, 3, r.keys[roleTimestamp]...)
	wantErr(t, c.Refresh(ctx), "tuf: snapshot: targets.json version 1 is older than trusted version 2 (rollback)")

	// Without a trusted snapshot, the targets check catches it.
	for _, f := range []string{timestampFile, snapshotFile} {
		if err := os.Remove(filepath.Join(cache, f)); err != nil {
			t.Fatal(err)
		}
	}
	c = newTestClient(t, r.raw["1.root.json"], srv, WithCacheDir(cache))
	wantErr(t, c.Refresh(ctx), "tuf: targets: version 1 is older than trusted version 2 (rollback)")
}

func TestUnknownKey(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	stray := newTestKey(t)
	r.writeTargets(2, r.expires, stray)
	r.writeSnapshot(2, r.expires, 2, r.keys[roleSnapshot]...)
	r.writeTimestamp(2, r.expires, 2, r.keys[roleTimestamp]...)
	srv := serve(t, r.dir)
	wantErr(t, newTestClient(t, r.raw["1.root.json"], srv).Refresh(ctx), "tuf: targets: signed by 0 of threshold 1 trusted keys")

	// A key of another role does not count either.
	r.writeTimestamp(3, r.expires, 2, r.keys[roleSnapshot]...)
	wantErr(t, newTestClient(t, r.raw["1.root.json"], srv).Refresh(ctx), "tuf: timestamp: signed by 0 of threshold 1 trusted keys")

	// Nor a signature by a listed key id over other bytes.
	b := r.read("metadata/timestamp.json")
	b = bytes.Replace(b, []byte(`"version": 3`), []byte(`"version": 9`), 1)
	r.write("metadata/timestamp.json", b)
	wantErr(t, newTestClient(t, r.raw["1.root.json"], srv).Refresh(ctx), "tuf: timestamp: signed by 0 of threshold 1 trusted keys")
}

func TestThresholdCountsEachKeyOnce(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	a, b := r.keys[roleTargets][0], newTestKey(t)
	r.keys[roleTargets] = []testKey{a, b}
	r.threshold[roleTargets] = 2
	root := r.writeRoot(1, testNow.Add(365*24*time.Hour), r.keys[roleRoot]...)
	r.writeTargets(2, r.expires, a, a)
	r.writeSnapshot(2, r.expires, 2, r.keys[roleSnapshot]...)
	r.writeTimestamp(2, r.expires, 2, r.keys[roleTimestamp]...)
	srv := serve(t, r.dir)
	wantErr(t, newTestClient(t, root, srv).Refresh(ctx), "tuf: targets: signed by 1 of threshold 2 trusted keys")

	r.writeTargets(3, r.expires, b, a)
	r.writeSnapshot(3, r.expires, 3, r.keys[roleSnapshot]...)
	r.writeTimestamp(3, r.expires, 3, r.keys[roleTimestamp]...)
	mustRefresh(t, newTestClient(t, root, srv))
}

func TestOversizedMetadata(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	srv := serve(t, r.dir)
	ts := r.read("metadata/timestamp.json")
	r.write("metadata/timestamp.json", append(bytes.Clone(ts), bytes.Repeat([]byte(" "), 16384)...))
	wantErr(t, newTestClient(t, r.raw["1.root.json"], srv).Refresh(ctx), "tuf: timestamp: timestamp.json is larger than 16384 bytes")

	// Smaller limits apply.
	r.write("metadata/timestamp.json", ts)
	c := newTestClient(t, r.raw["1.root.json"], srv, WithLimits(Limits{Root: 512000, Timestamp: 100, Snapshot: 2000000, Targets: 2000000}))
	wantErr(t, c.Refresh(ctx), "tuf: timestamp: timestamp.json is larger than 100 bytes")

	// The length timestamp lists for the snapshot is the snapshot's limit.
	sn := r.read("metadata/1.snapshot.json")
	r.write("metadata/1.snapshot.json", append(bytes.Clone(sn), ' '))
	wantErr(t, newTestClient(t, r.raw["1.root.json"], srv).Refresh(ctx), "tuf: snapshot: 1.snapshot.json is larger than "+strconv.Itoa(len(sn))+" bytes")
	r.write("metadata/1.snapshot.json", sn)

	// A root over its limit.
	r.write("metadata/2.root.json", bytes.Repeat([]byte(" "), 512001))
	wantErr(t, newTestClient(t, r.raw["1.root.json"], srv).Refresh(ctx), "tuf: root: 2.root.json is larger than 512000 bytes")
}

func TestTamperedSnapshot(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	sn := r.read("metadata/1.snapshot.json")
	r.write("metadata/1.snapshot.json", bytes.Replace(sn, []byte("\t"), []byte(" "), 1)) // same length, same meaning
	c := newTestClient(t, r.raw["1.root.json"], serve(t, r.dir))
	wantErr(t, c.Refresh(ctx), "tuf: snapshot: 1.snapshot.json: sha")
}

func TestRootRotation(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	root1 := r.raw["1.root.json"]
	cache := t.TempDir()
	srv := serve(t, r.dir)
	c := newTestClient(t, root1, srv, WithCacheDir(cache))
	mustRefresh(t, c)

	old := r.keys[roleRoot]
	for _, role := range []string{roleRoot, roleTargets, roleSnapshot, roleTimestamp} {
		r.keys[role] = []testKey{newTestKey(t), newTestKey(t)}
		r.threshold[role] = 2
	}
	r.writeRoot(2, testNow.Add(365*24*time.Hour), append(append([]testKey{}, old...), r.keys[roleRoot]...)...)
	r.publish()
	mustRefresh(t, c)
	if v := c.Versions(); v != (Versions{Root: 2, Timestamp: 2, Snapshot: 2, Targets: 2}) {
		t.Fatalf("versions %+v", v)
	}
	if got, err := download(c, "manifest.json"); err != nil || !bytes.Equal(got, twoTargets["manifest.json"]) {
		t.Fatalf("download: %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(cache, "2.root.json")); err != nil {
		t.Fatalf("2.root.json not cached: %v", err)
	}

	// A restarted client with the old baked root walks the cached roots and asks the
	// repository only for 3.root.json.
	srv.reset()
	c = newTestClient(t, root1, srv, WithCacheDir(cache))
	if c.Versions().Root != 2 {
		t.Fatalf("root from cache: %+v", c.Versions())
	}
	mustRefresh(t, c)
	if srv.count("/metadata/2.root.json") != 0 || srv.count("/metadata/3.root.json") != 1 {
		t.Fatalf("fetches %v", srv.hits)
	}

	// A root signed by only one of the two keys it lists fails its own threshold.
	newer := []testKey{newTestKey(t)}
	cur := r.keys[roleRoot]
	r.keys[roleRoot] = newer
	r.threshold[roleRoot] = 1
	r.writeRoot(3, testNow.Add(365*24*time.Hour), cur[0], newer[0])
	wantErr(t, c.Refresh(ctx), "tuf: root: 3.root.json: not trusted by root version 2: signed by 1 of threshold 2 trusted keys")
}

func TestRootRotationSignedByNewKeysOnly(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	root1 := r.raw["1.root.json"]
	r.keys[roleRoot] = []testKey{newTestKey(t)}
	r.writeRoot(2, testNow.Add(365*24*time.Hour), r.keys[roleRoot]...)
	c := newTestClient(t, root1, serve(t, r.dir))
	wantErr(t, c.Refresh(ctx), "tuf: root: 2.root.json: not trusted by root version 1: signed by 0 of threshold 1 trusted keys")
	if c.Versions().Root != 1 {
		t.Fatalf("root %d trusted", c.Versions().Root)
	}
}

func TestRootRotationNotSignedByNewKeys(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	root1 := r.raw["1.root.json"]
	old := r.keys[roleRoot]
	r.keys[roleRoot] = []testKey{newTestKey(t)}
	r.writeRoot(2, testNow.Add(365*24*time.Hour), old...)
	c := newTestClient(t, root1, serve(t, r.dir))
	wantErr(t, c.Refresh(ctx), "tuf: root: 2.root.json: not signed by its own root keys: signed by 0 of threshold 1 trusted keys")
}

func TestRootVersionMustBeNext(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	root1 := r.raw["1.root.json"]
	b := r.writeRoot(3, testNow.Add(365*24*time.Hour), r.keys[roleRoot]...)
	r.write("metadata/2.root.json", b)
	c := newTestClient(t, root1, serve(t, r.dir))
	wantErr(t, c.Refresh(ctx), "tuf: root: 2.root.json: holds version 3, want 2")
}

func TestTimestampKeyRotationForgetsTimestamp(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	for range 4 {
		r.publish() // timestamp 5
	}
	cache := t.TempDir()
	srv := serve(t, r.dir)
	c := newTestClient(t, r.raw["1.root.json"], srv, WithCacheDir(cache))
	mustRefresh(t, c)
	// The timestamp key was compromised and the attacker served version 99; the
	// repository rotates the key and starts over at a lower version.
	r.keys[roleTimestamp] = []testKey{newTestKey(t)}
	r.writeRoot(2, testNow.Add(365*24*time.Hour), r.keys[roleRoot]...)
	r.writeTimestamp(1, r.expires, 5, r.keys[roleTimestamp]...)
	mustRefresh(t, c)
	if _, err := os.Stat(filepath.Join(cache, timestampFile)); err != nil {
		t.Fatal(err)
	}
}

func TestCacheReusedAcrossRestarts(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	cache := t.TempDir()
	srv := serve(t, r.dir)
	root := r.raw["1.root.json"]
	mustRefresh(t, newTestClient(t, root, srv, WithCacheDir(cache)))
	for _, f := range []string{timestampFile, snapshotFile, targetsFile} {
		if _, err := os.Stat(filepath.Join(cache, f)); err != nil {
			t.Fatalf("%s not cached: %v", f, err)
		}
	}

	// Restart: nothing changed, so only 2.root.json and timestamp.json are asked for.
	srv.reset()
	var logs []string
	c := newTestClient(t, root, srv, WithCacheDir(cache), WithLogf(func(f string, a ...any) { logs = append(logs, f) }))
	if v := c.Versions(); v != (Versions{Root: 1, Timestamp: 1, Snapshot: 1, Targets: 1}) {
		t.Fatalf("versions from cache %+v", v)
	}
	mustRefresh(t, c)
	if len(srv.hits) != 2 || srv.count("/metadata/2.root.json") != 1 || srv.count("/metadata/timestamp.json") != 1 {
		t.Fatalf("fetches %v", srv.hits)
	}
	if got, err := download(c, "manifest.json"); err != nil || !bytes.Equal(got, twoTargets["manifest.json"]) {
		t.Fatalf("download: %q, %v", got, err)
	}
	if len(logs) != 0 {
		t.Fatalf("logs %q", logs)
	}

	// The cache keeps rollback protection across restarts.
	r.publish()
	mustRefresh(t, newTestClient(t, root, srv, WithCacheDir(cache)))
	r.writeTimestamp(1, r.expires, 1, r.keys[roleTimestamp]...)
	wantErr(t, newTestClient(t, root, srv, WithCacheDir(cache)).Refresh(ctx), "tuf: timestamp: version 1 is older than trusted version 2 (rollback)")

	// Corrupt cached files are reported and ignored.
	if err := os.WriteFile(filepath.Join(cache, snapshotFile), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	logs = nil
	r.publish()
	c = newTestClient(t, root, srv, WithCacheDir(cache), WithLogf(func(f string, a ...any) { logs = append(logs, f) }))
	mustRefresh(t, c)
	if len(logs) != 1 {
		t.Fatalf("logs %q", logs)
	}
}

func TestHTTPFetcherLimits(t *testing.T) {
	srv := serve(t, t.TempDir())
	f := &HTTPFetcher{}
	_, err := f.Fetch(ctx, srv.URL+"/missing", 10)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), bytes.Repeat([]byte("x"), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	srv = serve(t, dir)
	// Content-Length over the limit.
	if _, err := f.Fetch(ctx, srv.URL+"/f", 99); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Content-Length over the limit: %v", err)
	}
	rc, err := f.Fetch(ctx, srv.URL+"/f", 100)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || len(b) != 100 {
		t.Fatalf("read %d, %v", len(b), err)
	}
	// A body without Content-Length that runs past the limit.
	lb := &limitedBody{rc: io.NopCloser(bytes.NewReader(make([]byte, 100))), url: "u", left: 60}
	b, err = io.ReadAll(lb)
	if !errors.Is(err, ErrTooLarge) || len(b) != 60 {
		t.Fatalf("read %d, %v", len(b), err)
	}
}

func TestNewRefusesBadRoot(t *testing.T) {
	r := newTestRepo(t, twoTargets)
	root := r.raw["1.root.json"]
	_, err := New(bytes.Replace(root, []byte(`"version": 1`), []byte(`"version": 7`), 1), "http://x/metadata", "http://x/targets")
	wantErr(t, err, "tuf: trusted root: signed by 0 of threshold 1 trusted keys")
	_, err = New(r.raw["1.targets.json"], "http://x/metadata", "http://x/targets")
	wantErr(t, err, `tuf: trusted root: _type "targets", want "root"`)
}
