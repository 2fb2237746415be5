package updater

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, p, s string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	osr := writeFile(t, filepath.Join(dir, "os-release"), "NAME=Kitbash\nID=kitbash\nVERSION_ID=\"0.2.0\"\nVARIANT_ID=dev\n")
	// What settingsd renders from specs/agents/files/updater.json.tmpl.
	p := writeFile(t, filepath.Join(dir, "updater.json"), `{
  "metadataUrl": "https://updates.example/metadata",
  "targetsUrl": "https://updates.example/targets",
  "seed": 1234,
  "versionLock": "latest",
  "ignoreWaves": true
}`)
	c, err := LoadConfig(p, filepath.Join(dir, "missing"), osr)
	if err != nil {
		t.Fatal(err)
	}
	if c.MetadataURL != "https://updates.example/metadata" || c.TargetsURL != "https://updates.example/targets" || c.Seed != 1234 ||
		c.VersionLock != LockLatest || !c.IgnoreWaves || c.Variant != "dev" || c.Version != "0.2.0" || c.Arch == "" {
		t.Errorf("config %+v", c)
	}

	// A missing file is the defaults.
	c, err = LoadConfig(filepath.Join(dir, "none.json"), osr)
	if err != nil {
		t.Fatal(err)
	}
	if c.MetadataURL != "" || c.Seed != 0 || c.VersionLock != LockLatest || c.IgnoreWaves || c.Version != "0.2.0" {
		t.Errorf("defaults %+v", c)
	}
	// Left-out and empty fields are defaults; unknown ones are ignored.
	writeFile(t, p, `{"seed": 7, "versionLock": "", "future": 1}`)
	if c, err = LoadConfig(p, osr); err != nil || c.Seed != 7 || c.VersionLock != LockLatest {
		t.Errorf("partial file: %+v, %v", c, err)
	}
	writeFile(t, p, `{"versionLock": "0.3.0"}`)
	if c, err = LoadConfig(p, osr); err != nil || c.VersionLock != "0.3.0" {
		t.Errorf("lock: %+v, %v", c, err)
	}

	for _, tc := range []struct{ file, osr, want string }{
		{`{"seed": 2049}`, osr, "seed 2049"},
		{`{"seed": -1}`, osr, "seed -1"},
		{`{"versionLock": "v1"}`, osr, "versionLock"},
		{`{"seed": "x"}`, osr, "updater configuration"},
		{`{}`, writeFile(t, filepath.Join(dir, "osr2"), "VERSION_ID=0.1\n"), "running variant unknown"},
		{`{}`, filepath.Join(dir, "nope"), "os-release"},
	} {
		writeFile(t, p, tc.file)
		if _, err := LoadConfig(p, tc.osr); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.file, err, tc.want)
		}
	}
}

func TestReadOSRelease(t *testing.T) {
	p := writeFile(t, filepath.Join(t.TempDir(), "os-release"), "# comment\nA=\"quoted \\\"x\\\"\"\nB='single'\nC=plain\n\nbad line\n")
	kv, err := ReadOSRelease(p)
	if err != nil {
		t.Fatal(err)
	}
	if kv["A"] != `quoted "x"` || kv["B"] != "single" || kv["C"] != "plain" || len(kv) != 3 {
		t.Errorf("%q", kv)
	}
}

func TestManifestArch(t *testing.T) {
	if ManifestArch("amd64") != "x86_64" || ManifestArch("arm64") != "aarch64" || ManifestArch("riscv64") != "riscv64" {
		t.Error("ManifestArch")
	}
}
