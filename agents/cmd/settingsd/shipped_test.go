package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/render"
	"github.com/kitbash-dev/kitbash/agents/internal/settings"
)

// The declarations and templates the agents package ships (specs/agents/files) load,
// and updater.json renders as JSON the updater can read, with defaults and with values.
func TestShippedDeclarationsRender(t *testing.T) {
	// laid out as the package installs them into settings.d
	src := filepath.Join("..", "..", "..", "specs", "agents", "files")
	dir := t.TempDir()
	for from, to := range map[string]string{"settings.json": "10-agents.json", "motd.tmpl": "motd.tmpl", "updater.json.tmpl": "updater.json.tmpl"} {
		b, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	schema, err := settings.LoadSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, vals := range []settings.Values{
		schema.Defaults(),
		settings.Merge(schema.Defaults(), settings.Values{"updates.metadata-url": "http://10.0.2.2:8080/metadata", "updates.seed": int64(7), "updates.ignore-waves": true}),
	} {
		for _, tpl := range schema.Templates() {
			if tpl.Dest != "/run/kitbash/updater.json" {
				continue
			}
			text, err := render.ParseFile(tpl.Source)
			if err != nil {
				t.Fatal(err)
			}
			data := settings.Values{}
			for _, k := range tpl.Keys {
				data[k] = vals[k]
			}
			out, err := text.Execute(settings.ToTree(data))
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				MetadataURL, TargetsURL, VersionLock string
				Seed                                 int
				IgnoreWaves                          bool
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("updater.json is not JSON: %v\n%s", err, out)
			}
			if got.MetadataURL != vals["updates.metadata-url"] || int64(got.Seed) != vals["updates.seed"] || got.IgnoreWaves != vals["updates.ignore-waves"] || got.VersionLock != "latest" {
				t.Fatalf("rendered %+v from %v", got, vals)
			}
		}
	}
}
