package tufclient

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// This file is a small TUF repository writer for the tests: ed25519 keys, metadata
// signed over this package's canonical JSON, files laid out as kitbash publishes them.

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type testKey struct {
	id   string
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newTestKey(t *testing.T) testKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := testKey{pub: pub, priv: priv}
	// The TUF key id: sha256 of the canonical JSON of the public key.
	c := mustCanonical(t, k.tufKey())
	sum := sha256.Sum256(c)
	k.id = hex.EncodeToString(sum[:])
	return k
}

func (k testKey) tufKey() map[string]any {
	return map[string]any{"keytype": "ed25519", "scheme": "ed25519", "keyval": map[string]any{"public": hex.EncodeToString(k.pub)}}
}

// mustCanonical encodes a Go value as canonical JSON the way securesystemslib does:
// marshal, decode with numbers kept, encode canonically.
func mustCanonical(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	c, err := canonicalize(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type testRepo struct {
	t          *testing.T
	dir        string
	consistent bool
	keys       map[string][]testKey // the current root's keys per role
	threshold  map[string]int
	root       int64
	targets    map[string][]byte
	raw        map[string][]byte // metadata bytes by file name
	versions   map[string]int64  // the last version published per role
	expires    time.Time         // expiry of the metadata publish signs
}

// newTestRepo makes a repository with one key per role, root version 1, and publishes
// targets, snapshot and timestamp version 1 holding the given targets.
func newTestRepo(t *testing.T, targets map[string][]byte) *testRepo {
	t.Helper()
	r := &testRepo{t: t, dir: t.TempDir(), consistent: true, keys: map[string][]testKey{}, threshold: map[string]int{},
		targets: map[string][]byte{}, raw: map[string][]byte{}, versions: map[string]int64{}, expires: testNow.Add(7 * 24 * time.Hour)}
	for _, d := range []string{"metadata", "targets"} {
		if err := os.MkdirAll(filepath.Join(r.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, role := range []string{roleRoot, roleTargets, roleSnapshot, roleTimestamp} {
		r.keys[role] = []testKey{newTestKey(t)}
		r.threshold[role] = 1
	}
	for n, b := range targets {
		r.targets[n] = b
	}
	r.writeRoot(1, testNow.Add(365*24*time.Hour), r.keys[roleRoot]...)
	r.publish()
	return r
}

// sign returns a metadata file: signed, with one signature per key given (repeats
// allowed), indented like go-tuf's files.
func (r *testRepo) sign(signed map[string]any, keys ...testKey) []byte {
	c := mustCanonical(r.t, signed)
	sigs := []map[string]any{}
	for _, k := range keys {
		sigs = append(sigs, map[string]any{"keyid": k.id, "sig": hex.EncodeToString(ed25519.Sign(k.priv, c))})
	}
	b, err := json.MarshalIndent(map[string]any{"signatures": sigs, "signed": signed}, "", "\t")
	if err != nil {
		r.t.Fatal(err)
	}
	return append(b, '\n')
}

func (r *testRepo) write(rel string, b []byte) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, filepath.FromSlash(rel)), b, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) read(rel string) []byte {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(rel)))
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func signedBase(typ string, version int64, expires time.Time) map[string]any {
	return map[string]any{"_type": typ, "spec_version": "1.0.31", "version": version, "expires": expires.UTC().Format(time.RFC3339)}
}

// writeRoot writes version N.root.json (and root.json) trusting r.keys, signed by keys.
func (r *testRepo) writeRoot(version int64, expires time.Time, keys ...testKey) []byte {
	s := signedBase(roleRoot, version, expires)
	s["consistent_snapshot"] = r.consistent
	allKeys := map[string]any{}
	roles := map[string]any{}
	for role, ks := range r.keys {
		ids := []string{}
		for _, k := range ks {
			allKeys[k.id] = k.tufKey()
			ids = append(ids, k.id)
		}
		roles[role] = map[string]any{"keyids": ids, "threshold": r.threshold[role]}
	}
	s["keys"], s["roles"] = allKeys, roles
	b := r.sign(s, keys...)
	r.write(fmt.Sprintf("metadata/%d.root.json", version), b)
	r.write("metadata/root.json", b)
	r.raw[rootFile(version)] = b
	r.root = version
	return b
}

func (r *testRepo) metaName(role string, version int64) string {
	if r.consistent && role != roleTimestamp {
		return fmt.Sprintf("%d.%s.json", version, role)
	}
	return role + ".json"
}

func hashesOf(b []byte) map[string]any {
	s256, s512 := sha256.Sum256(b), sha512.Sum512(b)
	return map[string]any{"sha256": hex.EncodeToString(s256[:]), "sha512": hex.EncodeToString(s512[:])}
}

// writeTargets writes targets version N listing r.targets (and their files).
func (r *testRepo) writeTargets(version int64, expires time.Time, keys ...testKey) {
	s := signedBase(roleTargets, version, expires)
	ts := map[string]any{}
	for name, b := range r.targets {
		ts[name] = map[string]any{"length": len(b), "hashes": hashesOf(b)}
		file := name
		if r.consistent {
			sum := sha256.Sum256(b)
			file = hex.EncodeToString(sum[:]) + "." + name
		}
		r.write("targets/"+file, b)
	}
	s["targets"] = ts
	b := r.sign(s, keys...)
	name := r.metaName(roleTargets, version)
	r.write("metadata/"+name, b)
	r.raw[fmt.Sprintf("%d.targets.json", version)] = b
}

// writeSnapshot writes snapshot version N listing targets version tv.
func (r *testRepo) writeSnapshot(version int64, expires time.Time, tv int64, keys ...testKey) {
	tb := r.raw[fmt.Sprintf("%d.targets.json", tv)]
	s := signedBase(roleSnapshot, version, expires)
	s["meta"] = map[string]any{"targets.json": map[string]any{"version": tv, "length": len(tb), "hashes": hashesOf(tb)}}
	b := r.sign(s, keys...)
	r.write("metadata/"+r.metaName(roleSnapshot, version), b)
	r.raw[fmt.Sprintf("%d.snapshot.json", version)] = b
}

// writeTimestamp writes timestamp.json version N listing snapshot version sv.
func (r *testRepo) writeTimestamp(version int64, expires time.Time, sv int64, keys ...testKey) {
	sb := r.raw[fmt.Sprintf("%d.snapshot.json", sv)]
	s := signedBase(roleTimestamp, version, expires)
	s["meta"] = map[string]any{"snapshot.json": map[string]any{"version": sv, "length": len(sb), "hashes": hashesOf(sb)}}
	r.write("metadata/timestamp.json", r.sign(s, keys...))
}

// publish signs the next targets, snapshot and timestamp versions with the role keys.
func (r *testRepo) publish() {
	for _, role := range []string{roleTargets, roleSnapshot, roleTimestamp} {
		r.versions[role]++
	}
	r.writeTargets(r.versions[roleTargets], r.expires, r.keys[roleTargets]...)
	r.writeSnapshot(r.versions[roleSnapshot], r.expires, r.versions[roleTargets], r.keys[roleSnapshot]...)
	r.writeTimestamp(r.versions[roleTimestamp], r.expires, r.versions[roleSnapshot], r.keys[roleTimestamp]...)
}

// server serves dir and counts requests by path.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func serve(t *testing.T, dir string) *server {
	t.Helper()
	s := &server{hits: map[string]int{}}
	fs := http.FileServer(http.Dir(dir))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		s.hits[req.URL.Path]++
		s.mu.Unlock()
		fs.ServeHTTP(w, req)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits = map[string]int{}
}

// fixedClock is a clock option at t.
func fixedClock(t time.Time) Option { return WithClock(func() time.Time { return t }) }

// newTestClient is a client trusting root, against srv, at testNow + 1h.
func newTestClient(t *testing.T, root []byte, srv *server, opts ...Option) *Client {
	t.Helper()
	c, err := New(root, srv.URL+"/metadata", srv.URL+"/targets", append([]Option{fixedClock(testNow.Add(time.Hour))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
