package sdk

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestAptSourcesFromDump(t *testing.T) {
	root := t.TempDir()
	etc := filepath.Join(root, "etc", "apt")
	parts := filepath.Join(etc, "sources.list.d")
	if err := os.MkdirAll(parts, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(etc, "sources.list"), "# only a comment\n")
	write(filepath.Join(parts, "debian.sources"), "Types: deb\n")
	write(filepath.Join(parts, "b.list"), "deb http://mirror/ bookworm main\n")
	write(filepath.Join(parts, "old.list.disabled"), "deb http://mirror/ bookworm main\n")
	write(filepath.Join(parts, "bad name.list"), "deb http://mirror/ bookworm main\n")

	dump := `Dir "` + root + `/";
Dir::Etc "etc/apt";
Dir::Etc::sourcelist "sources.list";
Dir::Etc::sourceparts "sources.list.d";
Dir::Ignore-Files-Silently:: "\.disabled$";
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
APT::Architecture "amd64";
`
	files, opts, err := aptSourcesFromDump([]byte(dump))
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{filepath.Join(parts, "b.list"), filepath.Join(parts, "debian.sources")}
	if !slices.Equal(files, wantFiles) {
		t.Errorf("files %q, want %q", files, wantFiles)
	}
	wantOpts := []string{`Acquire::Check-Valid-Until "false"`, `Acquire::Check-Date "false"`}
	if !slices.Equal(opts, wantOpts) {
		t.Errorf("opts %q, want %q", opts, wantOpts)
	}

	if _, _, err := aptSourcesFromDump([]byte(`Dir "` + root + `/nothing/";`)); err == nil {
		t.Error("a configuration without sources files must be an error")
	}
}

func TestAptPath(t *testing.T) {
	vals := map[string]string{
		"Dir":                   "/",
		"Dir::Etc":              "etc/apt",
		"Dir::Etc::sourcelist":  "/srv/sources.list",
		"Dir::Etc::sourceparts": "parts.d",
		"Dir::Etc::preferences": "",
	}
	for key, want := range map[string]string{
		"Dir::Etc::sourcelist":  "/srv/sources.list",
		"Dir::Etc::sourceparts": "/etc/apt/parts.d",
		"Dir::Etc::preferences": "",
		"Dir::Etc::missing":     "",
	} {
		if got := aptPath(vals, key); got != want {
			t.Errorf("aptPath(%s) = %q, want %q", key, got, want)
		}
	}
}
