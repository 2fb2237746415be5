package updater

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/migrate"
)

// Choice is what Check decided.
type Choice struct {
	// Update is the chosen update, nil when there is none.
	Update *Update `json:"update"`
	// Reason says why this update, or why none.
	Reason string `json:"reason"`
	// Running is the running version; Variant and Arch the running system's.
	Running string `json:"running_version"`
	Variant string `json:"variant"`
	Arch    string `json:"arch"`
	// Downgrade is set when Update is older than the running version (the running
	// version is above max_version, or the version lock names an older version).
	Downgrade bool `json:"downgrade,omitempty"`
	// WaveStart is when this host's wave starts for Update (or, when none was chosen
	// because of the waves, for the update it waits for); unset without waves.
	WaveStart *time.Time `json:"wave_start,omitempty"`
	// Migrations are the migration targets from Running to Update's version.
	Migrations []string `json:"migrations,omitempty"`
	// Warnings are oddities of manifest.json that did not stop the choice.
	Warnings []string `json:"warnings,omitempty"`
}

type candidate struct {
	u   *Update
	v   migrate.Version
	max *migrate.Version // nil: no max_version
}

// Choose picks the update for the running system described by c from m at time now:
//
//   - only updates of c's variant and architecture count;
//   - an update is available when its version is at most its max_version, it matches
//     the version lock (any version for "latest", else exactly the lock), and this
//     host's wave has started (Waves.StartFor(seed) <= now), unless IgnoreWaves;
//   - the highest available version is chosen when it is above the running one;
//   - when the running version is above max_version (the highest of the matching
//     updates), the host is steered down: the update whose version is max_version is
//     chosen (a downgrade), once it is available;
//   - a version lock below the running version chooses that version (a downgrade);
//   - nothing is chosen when the best is the running version, or older than it
//     without a lock or max_version asking for it.
//
// Updates whose version or max_version does not parse are skipped with a warning.
// The error is for a configuration that cannot be compared (bad running version or
// lock).
func Choose(m *Manifest, c Config, now time.Time) (Choice, error) {
	ch := Choice{Running: c.Version, Variant: c.Variant, Arch: c.Arch}
	running, err := migrate.ParseVersion(c.Version)
	if err != nil {
		return ch, fmt.Errorf("running version: %w", err)
	}
	var lock *migrate.Version
	if c.VersionLock != "" && c.VersionLock != LockLatest {
		l, err := migrate.ParseVersion(c.VersionLock)
		if err != nil {
			return ch, fmt.Errorf("version lock: %w", err)
		}
		lock = &l
	}
	var cands []candidate
	var fleetMax *migrate.Version
	for i := range m.Updates {
		u := &m.Updates[i]
		if u.Variant != c.Variant || u.Arch != c.Arch {
			continue
		}
		v, err := migrate.ParseVersion(u.Version)
		if err != nil {
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("update %q skipped: %v", u.Version, err))
			continue
		}
		cd := candidate{u: u, v: v}
		if u.MaxVersion != "" {
			mv, err := migrate.ParseVersion(u.MaxVersion)
			if err != nil {
				ch.Warnings = append(ch.Warnings, fmt.Sprintf("update %s skipped: max_version: %v", u.Version, err))
				continue
			}
			cd.max = &mv
			if fleetMax == nil || mv.Compare(*fleetMax) > 0 {
				fleetMax = &mv
			}
		}
		cands = append(cands, cd)
	}
	if len(cands) == 0 {
		ch.Reason = fmt.Sprintf("%s has no update for variant %s, arch %s", ManifestName, c.Variant, c.Arch)
		return ch, nil
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].v.Compare(cands[j].v) > 0 })
	above := fleetMax != nil && running.Compare(*fleetMax) > 0

	// The versions that may be chosen, newest first, before the waves.
	var eligible []candidate
	for _, cd := range cands {
		if cd.max != nil && cd.v.Compare(*cd.max) > 0 {
			continue
		}
		if lock != nil && cd.v.Compare(*lock) != 0 {
			continue
		}
		if above && lock == nil && cd.v.Compare(*fleetMax) != 0 {
			continue
		}
		eligible = append(eligible, cd)
	}
	if len(eligible) == 0 {
		switch {
		case lock != nil:
			ch.Reason = fmt.Sprintf("version lock %s: no such update of variant %s, arch %s at or below max_version", c.VersionLock, c.Variant, c.Arch)
		case above:
			ch.Reason = fmt.Sprintf("running version %s is above max_version %s, which is not published", c.Version, fleetMax)
		default:
			ch.Reason = "no update at or below max_version"
		}
		return ch, nil
	}
	// The newest eligible version whose wave has started.
	var best *candidate
	var waiting *candidate
	var waitingStart time.Time
	for i := range eligible {
		cd := &eligible[i]
		start := cd.u.Waves.StartFor(c.Seed)
		if c.IgnoreWaves || !now.Before(start) {
			best = cd
			break
		}
		if waiting == nil {
			waiting, waitingStart = cd, start
		}
	}
	if best == nil {
		t := waitingStart.UTC()
		waits := fmt.Sprintf("update %s waits for this host's wave (seed %d): it starts at %s", waiting.u.Version, c.Seed, t.Format(time.RFC3339))
		switch cmp := waiting.v.Compare(running); {
		case cmp == 0:
			ch.Reason = fmt.Sprintf("running version %s is the chosen version", c.Version)
			return ch, nil
		case cmp < 0 && !above && lock == nil:
			ch.Reason = fmt.Sprintf("running version %s is newer than every available update", c.Version)
			return ch, nil
		case cmp < 0:
			waits = "downgrade: " + waits
		}
		ch.Reason, ch.WaveStart = waits, &t
		return ch, nil
	}
	if len(best.u.Waves) > 0 {
		t := best.u.Waves.StartFor(c.Seed).UTC()
		ch.WaveStart = &t
	}
	switch cmp := best.v.Compare(running); {
	case cmp == 0:
		ch.Reason = fmt.Sprintf("running version %s is the chosen version", c.Version)
		if waiting != nil {
			ch.Reason += fmt.Sprintf("; update %s waits for this host's wave (seed %d): it starts at %s", waiting.u.Version, c.Seed, waitingStart.UTC().Format(time.RFC3339))
			t := waitingStart.UTC()
			ch.WaveStart = &t
		} else {
			ch.WaveStart = nil
		}
		return ch, nil
	case cmp > 0:
		ch.Update = best.u
		ch.Reason = fmt.Sprintf("update %s is newer than the running %s", best.u.Version, c.Version)
		if lock != nil {
			ch.Reason = fmt.Sprintf("version lock %s is newer than the running %s", best.u.Version, c.Version)
		}
	case above:
		ch.Update, ch.Downgrade = best.u, true
		ch.Reason = fmt.Sprintf("running version %s is above max_version %s: downgrade", c.Version, fleetMax)
	case lock != nil:
		ch.Update, ch.Downgrade = best.u, true
		ch.Reason = fmt.Sprintf("version lock %s is older than the running %s: downgrade", best.u.Version, c.Version)
	default:
		ch.Reason = fmt.Sprintf("running version %s is newer than every available update (newest %s)", c.Version, best.u.Version)
		ch.WaveStart = nil
		return ch, nil
	}
	migs, ok := m.MigrationsFor(c.Version, best.u.Version)
	if !ok {
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("%s has no migration path from %s to %s; none are run", ManifestName, c.Version, best.u.Version))
	}
	ch.Migrations = ownMigrations(c, migs)
	return ch, nil
}

// MigrationSuffix ends the target name of a settings migration file:
// <variant>-<arch>-<version>-migration.json (builder/tufrepo.MigrationTargetName).
const MigrationSuffix = "-migration.json"

// ownMigrations keeps the migration targets of c's variant and arch: manifest.json's
// version pairs are shared by every variant of the repository.
func ownMigrations(c Config, names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := MigrationVersion(c, n); ok {
			out = append(out, n)
		}
	}
	return out
}

// MigrationVersion returns the version of a migration target of c's variant and arch.
func MigrationVersion(c Config, name string) (string, bool) {
	v, ok := strings.CutPrefix(name, c.Variant+"-"+c.Arch+"-")
	if !ok {
		return "", false
	}
	if v, ok = strings.CutSuffix(v, MigrationSuffix); !ok {
		return "", false
	}
	if _, err := migrate.ParseVersion(v); err != nil {
		return "", false
	}
	return v, true
}
