package assemble

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/variant"
	"github.com/kitbash-dev/kitbash/builder/variant/rootfs"
)

// Paths of the files the variant adds to the root file system.
const (
	osReleasePath       = "usr/lib/os-release"
	settingsDefaultPath = "usr/share/kitbash/settings.d/90-variant.json"
)

// extraFiles are the variant's own files: os-release, the update root, the settings
// migrations up to version, the settings defaults and the variant's service definitions.
func extraFiles(v *variant.Spec, version, id string, updateRoot []byte, migrations []variant.Migration) ([]rootfs.File, error) {
	files := []rootfs.File{{Path: osReleasePath, Mode: 0o644, Data: osRelease(v, version, id)}}
	if len(updateRoot) > 0 {
		files = append(files, rootfs.File{Path: variant.UpdateRootPath, Mode: 0o644, Data: updateRoot})
	}
	for _, m := range variant.MigrationsUpTo(migrations, version) {
		files = append(files, rootfs.File{Path: path.Join(variant.MigrationsPath, m.Version+".json"), Mode: 0o644, Data: m.Data})
	}
	if len(v.Settings) > 0 {
		b, err := json.MarshalIndent(map[string]any{"defaults": flatSettings(v.Settings)}, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("variant %s: settings: %w", v.Name, err)
		}
		files = append(files, rootfs.File{Path: settingsDefaultPath, Mode: 0o644, Data: append(b, '\n')})
	}
	names := make([]string, 0, len(v.Services))
	for n := range v.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := v.Services[n].JSON()
		if err != nil {
			return nil, fmt.Errorf("variant %s: service %s: %w", v.Name, n, err)
		}
		files = append(files, rootfs.File{Path: path.Join(variant.ServicesDir, n+".json"), Mode: 0o644, Data: b})
	}
	return files, nil
}

// osRelease is /usr/lib/os-release of the image.
func osRelease(v *variant.Spec, version, id string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "NAME=Kitbash\nID=kitbash\n")
	fmt.Fprintf(&b, "PRETTY_NAME=%q\n", fmt.Sprintf("Kitbash %s (%s)", version, v.Name))
	fmt.Fprintf(&b, "VERSION_ID=%s\n", version)
	fmt.Fprintf(&b, "VARIANT=%q\n", v.Summary)
	fmt.Fprintf(&b, "VARIANT_ID=%s\n", v.Name)
	fmt.Fprintf(&b, "BUILD_ID=%s\n", id)
	return []byte(b.String())
}

// flatSettings turns a settings map that may nest (YAML maps) into dotted keys, the form
// of a settings.d "defaults" section.
func flatSettings(m map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			for k, x := range sub {
				walk(prefix+"."+k, x)
			}
			return
		}
		out[prefix] = v
	}
	for k, v := range m {
		walk(k, v)
	}
	return out
}
