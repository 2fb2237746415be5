package variant

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/semver"
)

// MigrationsPath is where the image holds the variant's settings migrations, one
// <version>.json per OS version that changed the settings (the format of
// agents/internal/migrate; the migrator runs them at boot).
const MigrationsPath = "usr/share/kitbash/migrations"

// Migration is one migration file of the variant: the settings change of an OS version.
type Migration struct {
	Version string
	Data    []byte
}

// migrationOps are the operations of a migration list and the fields each one takes
// (all required).
var migrationOps = map[string][]string{
	"add":       {"key", "value"},
	"remove":    {"key"},
	"rename":    {"from", "to"},
	"transform": {"key", "fn"},
}

// LoadMigrations reads the migration files of dir (<version>.json each), sorted by
// version, and checks every one: the name is a version, the content has schemaVersion
// 1 and forward and backward lists of known operations with their fields. It reports
// every problem at once, each naming the file. A missing dir is an error.
func LoadMigrations(dir string) ([]Migration, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", dir, err)
	}
	var out []Migration
	var errs []error
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		v, ok := strings.CutSuffix(e.Name(), ".json")
		if _, perr := semver.Parse(v); !ok || perr != nil || !e.Type().IsRegular() {
			errs = append(errs, fmt.Errorf("%s: not a migration file; fix: name each file <version>.json, e.g. 0.2.0.json, and keep nothing else in the folder", p))
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, errors.Unwrap(err)))
			continue
		}
		if err := checkMigration(b); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		out = append(out, Migration{Version: v, Data: b})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(out, func(i, j int) bool { return semver.Compare(out[i].Version, out[j].Version) < 0 })
	return out, nil
}

// checkMigration checks one file's structure (see LoadMigrations).
func checkMigration(b []byte) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("not a JSON object: %v; fix: write {\"schemaVersion\": 1, \"forward\": [...], \"backward\": [...]}", err)
	}
	var problems []string
	var schema int
	if err := json.Unmarshal(doc["schemaVersion"], &schema); err != nil || schema != 1 {
		problems = append(problems, "schemaVersion: want 1")
	}
	for k := range doc {
		if k != "schemaVersion" && k != "forward" && k != "backward" {
			problems = append(problems, fmt.Sprintf("%s: unknown field (want schemaVersion, forward, backward)", k))
		}
	}
	for _, list := range []string{"forward", "backward"} {
		raw, ok := doc[list]
		if !ok {
			problems = append(problems, list+": missing (an empty list [] if nothing changes)")
			continue
		}
		var ops []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &ops); err != nil {
			problems = append(problems, fmt.Sprintf("%s: not a list of operations: %v", list, err))
			continue
		}
		for i, op := range ops {
			problems = append(problems, checkOp(fmt.Sprintf("%s[%d]", list, i), op)...)
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return fmt.Errorf("%s; fix: see the migration format in agents/internal/migrate", strings.Join(problems, "; "))
	}
	return nil
}

func checkOp(at string, op map[string]json.RawMessage) []string {
	var name string
	if err := json.Unmarshal(op["op"], &name); err != nil {
		return []string{at + ".op: missing"}
	}
	fields, ok := migrationOps[name]
	if !ok {
		return []string{fmt.Sprintf("%s.op: unknown operation %q (want add, remove, rename or transform)", at, name)}
	}
	var out []string
	want := map[string]bool{"op": true}
	for _, f := range fields {
		want[f] = true
		if _, ok := op[f]; !ok {
			out = append(out, fmt.Sprintf("%s: %s needs %s", at, name, f))
		}
	}
	for k := range op {
		if !want[k] {
			out = append(out, fmt.Sprintf("%s.%s: %s does not take %s", at, k, name, k))
		}
	}
	return out
}

// MigrationsUpTo returns the migrations of versions up to and including version: the
// ones an image of that version carries.
func MigrationsUpTo(all []Migration, version string) []Migration {
	var out []Migration
	for _, m := range all {
		if semver.Compare(m.Version, version) <= 0 {
			out = append(out, m)
		}
	}
	return out
}

// MigrationsDir is the variant's migrations folder (updates.migrations, relative to
// variant.yaml's folder variantDir), or "" when it has none.
func (u UpdatesConfig) MigrationsDir(variantDir string) string {
	if u.Migrations == "" {
		return ""
	}
	return filepath.Join(variantDir, u.Migrations)
}

// isNotExist reports a missing file or folder.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
