package migrate

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/datastore"
)

// Three versions: 1.1.0 adds and renames, 1.2.0 transforms and removes.
const (
	mig110 = `{
  "schemaVersion": 1,
  "forward": [
    {"op": "add", "key": "network.mtu", "value": 1500},
    {"op": "rename", "from": "motd", "to": "host.motd"}
  ],
  "backward": [
    {"op": "remove", "key": "network.mtu"},
    {"op": "rename", "from": "host.motd", "to": "motd"}
  ]
}`
	mig120 = `{
  "schemaVersion": 1,
  "forward": [
    {"op": "transform", "key": "kernel.lockdown", "fn": "map({\"none\": \"off\", \"integrity\": \"on\"})"},
    {"op": "transform", "key": "ntp.servers", "fn": "split(\",\")"},
    {"op": "transform", "key": "host.name", "fn": "lowercase"},
    {"op": "remove", "key": "legacy.flag"}
  ],
  "backward": [
    {"op": "transform", "key": "ntp.servers", "fn": "join(\",\")"},
    {"op": "transform", "key": "kernel.lockdown", "fn": "map({\"off\": \"none\", \"on\": \"integrity\"})"},
    {"op": "add", "key": "legacy.flag", "value": true}
  ]
}`
)

func writeMigrations(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newStore makes a datastore root with current -> v<version> holding settings.
func newStore(t *testing.T, version string, settings map[string]any) string {
	t.Helper()
	root := t.TempDir()
	dir := datastore.VersionDir(root, version)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := datastore.Write(datastore.OSFS{}, filepath.Join(dir, datastore.SettingsFile), datastore.Doc{OSVersion: version, Settings: settings}); err != nil {
		t.Fatal(err)
	}
	if err := datastore.SetCurrent(datastore.OSFS{}, root, dir); err != nil {
		t.Fatal(err)
	}
	return root
}

func currentDoc(t *testing.T, root string) (string, datastore.Doc) {
	t.Helper()
	dir, err := datastore.Current(root)
	if err != nil {
		t.Fatal(err)
	}
	d, err := datastore.Read(filepath.Join(dir, datastore.SettingsFile))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(dir), d
}

// norm round-trips a settings tree through JSON so numbers compare as the datastore reads them.
func norm(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func settings100() map[string]any {
	return map[string]any{
		"motd":    "hello",
		"kernel":  map[string]any{"lockdown": "integrity"},
		"ntp":     map[string]any{"servers": "a.example,b.example"},
		"host":    map[string]any{"name": "Node-1"},
		"legacy":  map[string]any{"flag": true},
		"untouch": 3.0,
	}
}

func settings120() map[string]any {
	return map[string]any{
		"host":    map[string]any{"motd": "hello", "name": "node-1"},
		"network": map[string]any{"mtu": 1500.0},
		"kernel":  map[string]any{"lockdown": "on"},
		"ntp":     map[string]any{"servers": []any{"a.example", "b.example"}},
		"untouch": 3.0,
	}
}

func TestForwardThroughIntermediate(t *testing.T) {
	dir := writeMigrations(t, map[string]string{"1.1.0.json": mig110, "1.2.0.json": mig120, "README": "ignored"})
	root := newStore(t, "1.0.0", settings100())
	res, err := Migrate(Options{Root: root, MigrationsDir: dir, To: "1.2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Steps != 2 || res.From != "1.0.0" {
		t.Fatalf("result %+v", res)
	}
	name, doc := currentDoc(t, root)
	if name != "v1.2.0" || doc.OSVersion != "1.2.0" {
		t.Fatalf("current %s osVersion %s", name, doc.OSVersion)
	}
	if want := norm(t, settings120()); !reflect.DeepEqual(doc.Settings, want) {
		t.Fatalf("settings\n got %v\nwant %v", doc.Settings, want)
	}
	if _, err := os.Stat(filepath.Join(root, "v1.0.0", datastore.SettingsFile)); err != nil {
		t.Fatalf("old datastore gone: %v", err)
	}
	assertNoTmp(t, root)
}

func TestBackwardThroughIntermediate(t *testing.T) {
	dir := writeMigrations(t, map[string]string{"1.1.0.json": mig110, "1.2.0.json": mig120})
	root := newStore(t, "1.2.0", settings120())
	// A stale v1.0.0 from before the upgrade is replaced by the migrated copy.
	stale := datastore.VersionDir(root, "1.0.0")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, datastore.SettingsFile), []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Migrate(Options{Root: root, MigrationsDir: dir, To: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 2 {
		t.Fatalf("result %+v", res)
	}
	name, doc := currentDoc(t, root)
	want := settings100()
	want["host"] = map[string]any{"name": "node-1"} // lowercase has no inverse
	if name != "v1.0.0" || !reflect.DeepEqual(doc.Settings, norm(t, want)) {
		t.Fatalf("current %s settings\n got %v\nwant %v", name, doc.Settings, want)
	}
	assertNoTmp(t, root)
}

func TestBackwardNeedsFromFile(t *testing.T) {
	dir := writeMigrations(t, map[string]string{"1.1.0.json": mig110})
	root := newStore(t, "1.2.0", settings120())
	_, err := Migrate(Options{Root: root, MigrationsDir: dir, To: "1.0.0"})
	if err == nil || !strings.Contains(err.Error(), "no 1.2.0.json") {
		t.Fatalf("err %v", err)
	}
}

func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			out[rel] = "-> " + l
			return err
		case d.IsDir():
			out[rel+"/"] = ""
		default:
			b, err := os.ReadFile(p)
			out[rel] = string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func assertNoTmp(t *testing.T, root string) {
	t.Helper()
	for p := range snapshot(t, root) {
		if strings.Contains(p, ".tmp") {
			t.Fatalf("leftover %s", p)
		}
	}
}

func TestFailingTransformLeavesDatastore(t *testing.T) {
	bad := strings.Replace(mig120, `\"integrity\": \"on\"`, `\"strict\": \"on\"`, 1) // "integrity" no longer mapped
	if bad == mig120 {
		t.Fatal("replacement did not apply")
	}
	dir := writeMigrations(t, map[string]string{"1.1.0.json": mig110, "1.2.0.json": bad})
	root := newStore(t, "1.0.0", settings100())
	before := snapshot(t, root)
	_, err := Migrate(Options{Root: root, MigrationsDir: dir, To: "1.2.0"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"1.2.0.json forward[0]", "transform kernel.lockdown", `"integrity"`, "not in the map"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if after := snapshot(t, root); !reflect.DeepEqual(before, after) {
		t.Fatalf("datastore changed\nbefore %v\nafter  %v", before, after)
	}
}

// failFS fails Rename of paths with the given suffix.
type failFS struct {
	datastore.OSFS
	suffix string
}

func (f failFS) Rename(o, n string) error {
	if strings.HasSuffix(o, f.suffix) {
		return errors.New("injected")
	}
	return os.Rename(o, n)
}

func TestFailingSwapLeavesDatastore(t *testing.T) {
	dir := writeMigrations(t, map[string]string{"1.1.0.json": mig110, "1.2.0.json": mig120})
	for _, suffix := range []string{"settings.json.tmp", "v1.2.0.tmp", "current.tmp"} {
		root := newStore(t, "1.0.0", settings100())
		if err := os.WriteFile(filepath.Join(root, "v1.0.0", "extra"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, root)
		_, err := Migrate(Options{Root: root, MigrationsDir: dir, To: "1.2.0", FS: failFS{suffix: suffix}})
		if err == nil || !strings.Contains(err.Error(), "injected") {
			t.Fatalf("%s: err %v", suffix, err)
		}
		if after := snapshot(t, root); !reflect.DeepEqual(before, after) {
			t.Fatalf("%s: datastore changed\nbefore %v\nafter  %v", suffix, before, after)
		}
	}
}

func TestExtrasCopiedPendingDropped(t *testing.T) {
	dir := writeMigrations(t, map[string]string{"1.1.0.json": mig110})
	root := newStore(t, "1.0.0", settings100())
	old := datastore.VersionDir(root, "1.0.0")
	for n, c := range map[string]string{"extra": "x", datastore.PendingFile: "{}"} {
		if err := os.WriteFile(filepath.Join(old, n), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Migrate(Options{Root: root, MigrationsDir: dir, To: "1.1.0"}); err != nil {
		t.Fatal(err)
	}
	nd := datastore.VersionDir(root, "1.1.0")
	if b, err := os.ReadFile(filepath.Join(nd, "extra")); err != nil || string(b) != "x" {
		t.Fatalf("extra: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(nd, datastore.PendingFile)); !os.IsNotExist(err) {
		t.Fatalf("pending copied: %v", err)
	}
}

func TestNoOp(t *testing.T) {
	root := newStore(t, "1.2.0", settings120())
	before := snapshot(t, root)
	// The migrations directory is not even read when there is nothing to do.
	res, err := Migrate(Options{Root: root, MigrationsDir: "/nonexistent", To: "1.2.0"})
	if err != nil || res.Changed || !strings.Contains(res.Reason, "already at 1.2.0") {
		t.Fatalf("%+v %v", res, err)
	}
	if after := snapshot(t, root); !reflect.DeepEqual(before, after) {
		t.Fatal("datastore changed")
	}
	res, err = Migrate(Options{Root: t.TempDir(), MigrationsDir: "/nonexistent", To: "1.2.0"})
	if err != nil || res.Changed || !strings.Contains(res.Reason, "no datastore") {
		t.Fatalf("empty root: %+v %v", res, err)
	}
}

func TestBadTarget(t *testing.T) {
	root := newStore(t, "1.0.0", nil)
	if _, err := Migrate(Options{Root: root, MigrationsDir: t.TempDir(), To: "v1.2"}); err == nil {
		t.Fatal("no error")
	}
}

func TestOSReleaseVersion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "os-release")
	for content, want := range map[string]string{
		"NAME=Kitbash\nVERSION_ID=1.2.0\n":   "1.2.0",
		"VERSION_ID=\"1.3.0\"\nID=kitbash\n": "1.3.0",
		"VERSION_ID='1.4.0'\n":               "1.4.0",
	} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := OSReleaseVersion(p)
		if err != nil || got != want {
			t.Errorf("%q: %q %v", content, got, err)
		}
	}
	if err := os.WriteFile(p, []byte("NAME=x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OSReleaseVersion(p); err == nil {
		t.Error("no error without VERSION_ID")
	}
}
