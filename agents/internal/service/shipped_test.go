package service

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The service files the agents package ships (specs/agents/files) load together, and
// settingsd starts only after the migrator moved the datastore to the booted version.
func TestShippedServiceFiles(t *testing.T) {
	src := filepath.Join("..", "..", "..", "specs", "agents", "files")
	dir := t.TempDir()
	for _, n := range []string{"settingsd.json", "migrator.json"} {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	svcs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Service{}
	for _, s := range svcs {
		byName[s.Name] = s
	}
	m, s := byName["migrator"], byName["settingsd"]
	if m == nil || s == nil {
		t.Fatalf("loaded %v", byName)
	}
	if !m.Oneshot || !m.Required || m.Command[0] != "/usr/bin/migrator" {
		t.Fatalf("migrator %+v", m)
	}
	if !slices.Contains(s.Requires, "migrator") {
		t.Fatalf("settingsd requires %v", s.Requires)
	}
}
