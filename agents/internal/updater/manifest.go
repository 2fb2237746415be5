package updater

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/migrate"
)

// ManifestName is the TUF target that lists the published updates.
const ManifestName = "manifest.json"

// MaxSeed is the largest update seed; a host's seed is in 0..MaxSeed.
const MaxSeed = 2048

// Manifest is manifest.json as builder/tufrepo writes it (Bottlerocket's format).
type Manifest struct {
	Updates []Update `json:"updates"`
	// Migrations maps "(FROM, TO)" to the migration targets to run, in order.
	Migrations map[string][]string `json:"migrations"`
}

// Update is one published image.
type Update struct {
	Variant    string `json:"variant"`
	Arch       string `json:"arch"`
	Version    string `json:"version"`
	MaxVersion string `json:"max_version"`
	Waves      Waves  `json:"waves"`
	Images     Images `json:"images"`
}

// Images are the target names of an update's images: zstd-compressed, boot is a tar
// of boot.json, initrd and vmlinuz, root the erofs root image, hash its dm-verity
// hash tree.
type Images struct {
	Boot string `json:"boot"`
	Root string `json:"root"`
	Hash string `json:"hash"`
}

// Wave is one step of a rollout: hosts whose seed is at most Seed may update from
// Start on; between two waves the time grows linearly with the seed.
type Wave struct {
	Seed  int       `json:"seed"`
	Start time.Time `json:"start"`
}

// Waves encode in manifest.json as an object from seed (decimal) to RFC 3339 time;
// decoded, they are sorted by seed.
type Waves []Wave

// UnmarshalJSON reads {"20": "2025-01-01T01:00:00Z", ...}.
func (w *Waves) UnmarshalJSON(b []byte) error {
	var m map[string]time.Time
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("waves: %w", err)
	}
	out := make(Waves, 0, len(m))
	for k, t := range m {
		seed, err := strconv.Atoi(k)
		if err != nil || seed < 0 || seed > MaxSeed {
			return fmt.Errorf("waves: seed %q: want 0..%d", k, MaxSeed)
		}
		out = append(out, Wave{Seed: seed, Start: t.UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seed < out[j].Seed })
	*w = out
	return nil
}

// MarshalJSON writes the object form (for printing an update).
func (w Waves) MarshalJSON() ([]byte, error) {
	m := make(map[string]string, len(w))
	for _, x := range w {
		m[strconv.Itoa(x.Seed)] = x.Start.UTC().Format(time.RFC3339)
	}
	return json.Marshal(m)
}

// StartFor returns when a host with the given seed may take the update: with no
// waves, the zero time (now); for a seed at or below the first wave's bound, the first
// wave's start; above the last bound, the last wave's start; else the time
// interpolated linearly between the bounds around the seed (seed s between bounds
// (s0, t0) and (s1, t1), s0 < s <= s1: t0 + (t1-t0)·(s-s0)/(s1-s0)).
func (w Waves) StartFor(seed int) time.Time {
	if len(w) == 0 {
		return time.Time{}
	}
	i := sort.Search(len(w), func(i int) bool { return w[i].Seed >= seed })
	switch {
	case i == 0:
		return w[0].Start
	case i == len(w):
		return w[len(w)-1].Start
	}
	lo, hi := w[i-1], w[i]
	if hi.Seed == lo.Seed { // cannot happen after decoding (map keys), kept safe
		return hi.Start
	}
	// span·k/n rounded down, without overflow: k <= n <= MaxSeed.
	span, k, n := hi.Start.Sub(lo.Start), time.Duration(seed-lo.Seed), time.Duration(hi.Seed-lo.Seed)
	off := span/n*k + span%n*k/n
	return lo.Start.Add(off)
}

// ParseManifest reads manifest.json.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if m.Migrations == nil {
		m.Migrations = map[string][]string{}
	}
	return &m, nil
}

// migrationKey is the key of manifest.json's migrations for a pair of versions.
func migrationKey(from, to string) string { return fmt.Sprintf("(%s, %s)", from, to) }

// parseMigrationKey splits "(FROM, TO)".
func parseMigrationKey(k string) (from, to string, ok bool) {
	k, ok1 := strings.CutPrefix(strings.TrimSpace(k), "(")
	k, ok2 := strings.CutSuffix(k, ")")
	from, to, ok3 := strings.Cut(k, ",")
	if !ok1 || !ok2 || !ok3 {
		return "", "", false
	}
	return strings.TrimSpace(from), strings.TrimSpace(to), true
}

// MigrationsFor returns the migration targets to go from one version to another, in
// the order to run them, as Bottlerocket's updog finds them: from the lower version,
// repeatedly take the pair (v, t) with the highest t not above the higher version,
// adding its list, until the higher version is reached; for a downgrade the list is
// reversed. It returns false when manifest.json has no such path.
func (m *Manifest) MigrationsFor(from, to string) ([]string, bool) {
	vf, err1 := migrate.ParseVersion(from)
	vt, err2 := migrate.ParseVersion(to)
	if err1 != nil || err2 != nil {
		l, ok := m.Migrations[migrationKey(from, to)]
		return append([]string(nil), l...), ok
	}
	if vf.Compare(vt) == 0 {
		return nil, true
	}
	lo, hi, reverse := vf, vt, false
	if vf.Compare(vt) > 0 {
		lo, hi, reverse = vt, vf, true
	}
	type pair struct {
		key      string
		from, to migrate.Version
	}
	var pairs []pair
	for k := range m.Migrations {
		f, t, ok := parseMigrationKey(k)
		if !ok {
			continue
		}
		pf, err1 := migrate.ParseVersion(f)
		pt, err2 := migrate.ParseVersion(t)
		if err1 != nil || err2 != nil || pf.Compare(pt) >= 0 {
			continue
		}
		pairs = append(pairs, pair{k, pf, pt})
	}
	var out []string
	cur := lo
	for cur.Compare(hi) != 0 {
		best := -1
		for i, p := range pairs {
			if p.from.Compare(cur) == 0 && p.to.Compare(hi) <= 0 && (best < 0 || p.to.Compare(pairs[best].to) > 0) {
				best = i
			}
		}
		if best < 0 {
			return nil, false
		}
		out = append(out, m.Migrations[pairs[best].key]...)
		cur = pairs[best].to
	}
	if reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, true
}
