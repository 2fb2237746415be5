package tufclient

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testdata/gotuf-repo is a repository made by the build side (`kitbash repo`, go-tuf
// v2) with --now 2025-03-01T12:00:00Z: dev 0.1.0 added, root rotated to version 2 (new
// keys for every role, two root keys with threshold 2), dev 0.2.0 added, refreshed.
// See testdata/README.md.
const gotufRepo = "testdata/gotuf-repo"

var gotufNow = time.Date(2025, 3, 1, 13, 0, 0, 0, time.UTC)

func TestGoTUFRepository(t *testing.T) {
	root, err := os.ReadFile(filepath.Join(gotufRepo, "metadata", "1.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, gotufRepo)
	cache := t.TempDir()
	c, err := New(root, srv.URL+"/metadata", srv.URL+"/targets", WithCacheDir(cache), fixedClock(gotufNow))
	if err != nil {
		t.Fatal(err)
	}
	mustRefresh(t, c)
	if v := c.Versions(); v != (Versions{Root: 2, Timestamp: 5, Snapshot: 5, Targets: 4}) {
		t.Fatalf("versions %+v", v)
	}
	names, err := c.Targets()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 7 {
		t.Fatalf("targets %q", names)
	}
	for _, name := range names {
		ti, err := c.Target(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := download(c, name)
		if err != nil {
			t.Fatalf("download %s: %v", name, err)
		}
		want, err := os.ReadFile(filepath.Join(gotufRepo, "targets", hex.EncodeToString(ti.SHA256)+"."+name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || int64(len(got)) != ti.Length {
			t.Fatalf("download %s: %d bytes, want %d", name, len(got), len(want))
		}
		if strings.HasSuffix(name, ".zst") && !strings.Contains(string(got), "image of dev") {
			t.Fatalf("%s: %q", name, got)
		}
	}
	var m struct {
		Updates []struct{ Version string } `json:"updates"`
	}
	b, err := download(c, "manifest.json")
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || len(m.Updates) != 2 || m.Updates[0].Version != "0.2.0" {
		t.Fatalf("manifest %+v, %v", m, err)
	}

	// After a restart the cached metadata is used as is.
	srv.reset()
	c, err = New(root, srv.URL+"/metadata", srv.URL+"/targets", WithCacheDir(cache), fixedClock(gotufNow))
	if err != nil {
		t.Fatal(err)
	}
	mustRefresh(t, c)
	if len(srv.hits) != 2 || srv.count("/metadata/3.root.json") != 1 || srv.count("/metadata/timestamp.json") != 1 {
		t.Fatalf("fetches %v", srv.hits)
	}

	// The fixture's metadata expires: timestamp a week after --now.
	c, err = New(root, srv.URL+"/metadata", srv.URL+"/targets", fixedClock(gotufNow.Add(7*24*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, c.Refresh(ctx), "tuf: timestamp: expired at 2025-03-08T12:00:00Z")
}

// TestGoTUFKeyIDs checks that the canonical JSON of each key in the fixture's roots
// hashes to the key id go-tuf gave it: the same canonical form go-tuf signs.
func TestGoTUFKeyIDs(t *testing.T) {
	for _, f := range []string{"1.root.json", "2.root.json"} {
		b, err := os.ReadFile(filepath.Join(gotufRepo, "metadata", f))
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Signed struct {
				Keys map[string]json.RawMessage `json:"keys"`
			} `json:"signed"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		if len(env.Signed.Keys) < 4 {
			t.Fatalf("%s: %d keys", f, len(env.Signed.Keys))
		}
		for id, k := range env.Signed.Keys {
			c, err := canonicalize(k)
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(c); hex.EncodeToString(sum[:]) != id {
				t.Errorf("%s: key %s: canonical form %s hashes to %x", f, id, c, sum)
			}
		}
	}
}
