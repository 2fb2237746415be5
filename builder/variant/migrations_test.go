package variant

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodMigration = `{"schemaVersion": 1, "forward": [{"op": "transform", "key": "motd", "fn": "uppercase"}], "backward": []}`

func writeMigrations(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMigrationsLoadedSortedAndFiltered(t *testing.T) {
	root := t.TempDir()
	write(t, root, "v", "schema-version: 1\nname: v\nsummary: x\nkits: [core]\npackages: [agents]\nkernel: {package: kernel}\nupdates: {migrations: migrations}\n")
	writeMigrations(t, filepath.Join(root, Dir, "v", "migrations"), map[string]string{
		"0.10.0.json": goodMigration, "0.2.0.json": goodMigration, "0.9.0.json": `{"schemaVersion": 1, "forward": [], "backward": []}`,
	})
	v, err := Load(root, "p", "v")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range v.Migrations {
		got = append(got, m.Version)
	}
	if strings.Join(got, " ") != "0.2.0 0.9.0 0.10.0" {
		t.Fatalf("order %v", got)
	}
	if up := MigrationsUpTo(v.Migrations, "0.9.0"); len(up) != 2 || up[1].Version != "0.9.0" {
		t.Fatalf("up to 0.9.0: %v", up)
	}
}

func TestMigrationsEveryProblemNamed(t *testing.T) {
	root := t.TempDir()
	write(t, root, "v", "schema-version: 1\nname: v\nsummary: x\nkits: [core]\npackages: [agents]\nkernel: {package: kernel}\nupdates: {migrations: m}\n")
	writeMigrations(t, filepath.Join(root, Dir, "v", "m"), map[string]string{
		"notes.txt":  "x",
		"0.2.0.json": `{"schemaVersion": 2, "forward": [{"op": "add", "key": "a"}, {"op": "drop", "key": "b"}], "extra": 1}`,
		"0.3.0.json": `[1]`,
		"0.4.0.json": `{"schemaVersion": 1, "forward": [{"op": "remove", "key": "a", "fn": "x"}], "backward": []}`,
	})
	_, err := Load(root, "p", "v")
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		"updates.migrations",
		"p/variants/v/m/notes.txt: not a migration file",
		"p/variants/v/m/0.2.0.json: ",
		"schemaVersion: want 1",
		"extra: unknown field",
		"backward: missing",
		"forward[0]: add needs value",
		`forward[1].op: unknown operation "drop"`,
		"p/variants/v/m/0.3.0.json: not a JSON object",
		"forward[0].fn: remove does not take fn",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, root) {
		t.Errorf("error names the host path %s:\n%s", root, msg)
	}
	write(t, root, "w", "schema-version: 1\nname: w\nsummary: x\nkits: [core]\npackages: [agents]\nkernel: {package: kernel}\nupdates: {migrations: none}\n")
	if _, err := Load(root, "p", "w"); err == nil || !strings.Contains(err.Error(), "create the folder") {
		t.Fatalf("missing folder: %v", err)
	}
}
