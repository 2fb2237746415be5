package tufrepo

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

// MigrationTargetName is the target name of a variant's settings migration file of
// version v: <variant>-<arch>-<v>-migration.json. The updater stages it as <v>.json.
func MigrationTargetName(variant, arch, v string) string {
	return fmt.Sprintf("%s-%s-%s-migration.json", variant, arch, v)
}

// previousVersion is the highest published version of variant and arch below version,
// or "" when there is none.
func (m *Manifest) previousVersion(variant, arch, version string) string {
	prev := ""
	for _, u := range m.Updates {
		if u.Variant == variant && u.Arch == arch && compareVersions(u.Version, version) < 0 &&
			(prev == "" || compareVersions(u.Version, prev) > 0) {
			prev = u.Version
		}
	}
	return prev
}

// putMigrations publishes the migration files of im that a host needs to go from the
// previous published version to im's (versions in (prev, version]) and lists them,
// oldest first, under the pair "(prev, version)" of manifest.json. Entries of other
// variants or architectures under that pair are kept. It reports the target names and
// whether the targets metadata changed. With no previous version there is nothing to
// migrate from, and nothing is published.
func (r *repo) putMigrations(m *Manifest, imageDir string, im *imageinfo.Image, prev string) ([]string, bool, error) {
	if prev == "" {
		return nil, false, nil
	}
	var versions []string
	for v := range im.Migrations {
		if compareVersions(v, prev) > 0 && compareVersions(v, im.Version) <= 0 {
			versions = append(versions, v)
		}
	}
	sort.Slice(versions, func(i, j int) bool { return compareVersions(versions[i], versions[j]) < 0 })
	changed := false
	var names []string
	for _, v := range versions {
		f := im.Migrations[v]
		name := MigrationTargetName(im.Variant, im.Arch, v)
		ch, err := r.putTarget(name, filepath.Join(imageDir, f.Path), f.Sha256)
		if err != nil {
			return nil, false, fmt.Errorf("migration %s: %w", v, err)
		}
		changed = changed || ch
		names = append(names, name)
	}
	key := fmt.Sprintf("(%s, %s)", prev, im.Version)
	ours := im.Variant + "-" + im.Arch + "-"
	list := []string{}
	for _, n := range m.Migrations[key] {
		if !strings.HasPrefix(n, ours) {
			list = append(list, n)
		}
	}
	m.Migrations[key] = append(list, names...)
	return names, changed, nil
}
