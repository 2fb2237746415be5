package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const upper = `{"schemaVersion": 1, "forward": [{"op": "transform", "key": "motd", "fn": "uppercase"}], "backward": [{"op": "transform", "key": "motd", "fn": "lowercase"}]}`

// stage writes a staged migrations directory <root>/<version> for the move from -> to.
func stage(t *testing.T, root, version, from, to string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(root, version)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteStagedInfo(dir, StagedInfo{From: from, To: to}); err != nil {
		t.Fatal(err)
	}
}

func TestDowngradeRunsTheStagedBackwardMigration(t *testing.T) {
	root := newStore(t, "0.2.0", map[string]any{"motd": "HELLO"})
	staged := t.TempDir()
	// the older image has no migrations folder at all; the updater staged 0.2.0's file
	// for the downgrade 0.2.0 -> 0.1.0
	stage(t, staged, "0.1.0", "0.2.0", "0.1.0", map[string]string{"0.2.0.json": upper})
	res, err := Migrate(Options{Root: root, MigrationsDir: "/nonexistent", StagedDir: staged, To: "0.1.0"})
	if err != nil || res.Steps != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, doc := currentDoc(t, root); doc.Settings["motd"] != "hello" {
		t.Fatalf("settings %v", doc.Settings)
	}
}

func TestRollbackWithNoChangesStaged(t *testing.T) {
	// 0.3.0 changed nothing and ran once; back on 0.2.0 the datastore says 0.3.0. The
	// updater staged the (empty) move 0.2.0 -> 0.3.0: evidence that nothing changed.
	root := newStore(t, "0.3.0", map[string]any{"motd": "x"})
	images := writeMigrations(t, map[string]string{"0.2.0.json": upper})
	if _, err := Migrate(Options{Root: root, MigrationsDir: images, To: "0.2.0"}); err == nil || !strings.Contains(err.Error(), "no 0.3.0.json") {
		t.Fatalf("without staged files: %v", err)
	}
	staged := t.TempDir()
	stage(t, staged, "0.3.0", "0.2.0", "0.3.0", nil)
	res, err := Migrate(Options{Root: root, MigrationsDir: images, StagedDir: staged, To: "0.2.0"})
	if err != nil || !res.Changed || res.Steps != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, doc := currentDoc(t, root); doc.OSVersion != "0.2.0" || doc.Settings["motd"] != "x" {
		t.Fatalf("doc %+v", doc)
	}
}

func TestStagedForAnotherMoveIsIgnored(t *testing.T) {
	root := newStore(t, "0.3.0", map[string]any{"motd": "x"})
	staged := t.TempDir()
	// staged for 0.1.0 -> 0.3.0, not 0.2.0: no evidence for the way back to 0.2.0
	stage(t, staged, "0.3.0", "0.1.0", "0.3.0", nil)
	if _, err := Migrate(Options{Root: root, MigrationsDir: t.TempDir(), StagedDir: staged, To: "0.2.0"}); err == nil {
		t.Fatal("accepted a staged directory of another move")
	}
}

func TestImageFileWinsOverStaged(t *testing.T) {
	root := newStore(t, "0.1.0", map[string]any{"motd": "Mixed"})
	images := writeMigrations(t, map[string]string{"0.2.0.json": upper})
	staged := t.TempDir()
	stage(t, staged, "0.2.0", "0.1.0", "0.2.0", map[string]string{"0.2.0.json": `{"schemaVersion": 1, "forward": [{"op": "transform", "key": "motd", "fn": "lowercase"}], "backward": []}`})
	if _, err := Migrate(Options{Root: root, MigrationsDir: images, StagedDir: staged, To: "0.2.0"}); err != nil {
		t.Fatal(err)
	}
	if _, doc := currentDoc(t, root); doc.Settings["motd"] != "MIXED" {
		t.Fatalf("settings %v", doc.Settings)
	}
}
