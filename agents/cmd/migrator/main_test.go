package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/datastore"
)

func setup(t *testing.T, migration string) (root, dir string) {
	t.Helper()
	root, dir = t.TempDir(), t.TempDir()
	v := datastore.VersionDir(root, "1.0.0")
	if err := os.MkdirAll(v, 0o700); err != nil {
		t.Fatal(err)
	}
	doc := datastore.Doc{OSVersion: "1.0.0", Settings: map[string]any{"port": "80"}}
	if err := datastore.Write(datastore.OSFS{}, filepath.Join(v, datastore.SettingsFile), doc); err != nil {
		t.Fatal(err)
	}
	if err := datastore.SetCurrent(datastore.OSFS{}, root, v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "1.1.0.json"), []byte(migration), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, dir
}

func TestRun(t *testing.T) {
	root, dir := setup(t, `{"schemaVersion":1,"forward":[{"op":"transform","key":"port","fn":"to-int"}],"backward":[{"op":"transform","key":"port","fn":"to-string"}]}`)
	var out, errb bytes.Buffer
	if code := run([]string{"--datastore", root, "--migrations", dir, "--to", "1.1.0"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := out.String(); got != "migrator: datastore moved from 1.0.0 to 1.1.0 (1 migration file(s))\n" {
		t.Fatalf("stdout %q", got)
	}
	out.Reset()
	if code := run([]string{"--datastore", root, "--migrations", dir, "--to", "1.1.0"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "already at 1.1.0") {
		t.Fatalf("second run: %d %q", code, out.String())
	}
}

func TestRunFailure(t *testing.T) {
	root, dir := setup(t, `{"schemaVersion":1,"forward":[{"op":"transform","key":"port","fn":"split(\":\")"},{"op":"transform","key":"port","fn":"uppercase"}],"backward":[]}`)
	var out, errb bytes.Buffer
	if code := run([]string{"--datastore", root, "--migrations", dir, "--to", "1.1.0"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d", code)
	}
	got := errb.String()
	if strings.Count(got, "\n") != 1 || !strings.Contains(got, "forward[1] transform port with uppercase") {
		t.Fatalf("stderr %q", got)
	}
	t.Log(got)
	if cur, err := datastore.Current(root); err != nil || filepath.Base(cur) != "v1.0.0" {
		t.Fatalf("current %s %v", cur, err)
	}
	if code := run([]string{"--migrations", dir}, &out, &errb); code != 2 {
		t.Fatalf("missing --datastore: exit %d", code)
	}
}
