package tufrepo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// ManifestName is the target that lists the published updates.
const ManifestName = "manifest.json"

// Manifest is manifest.json, Bottlerocket's format: the updates, newest first per variant
// and arch, and the migrations between versions.
type Manifest struct {
	Updates []Update `json:"updates"`
	// Migrations maps "(FROM, TO)" to the migration targets to run, in order; every pair
	// of consecutive published versions has an entry, empty until migrations exist.
	Migrations map[string][]string `json:"migrations"`
}

// Update is one published image.
type Update struct {
	Variant string `json:"variant"`
	Arch    string `json:"arch"`
	Version string `json:"version"`
	// MaxVersion caps the fleet: hosts above it are steered down to it.
	MaxVersion string `json:"max_version"`
	Waves      Waves  `json:"waves"`
	Images     Images `json:"images"`
}

// Images are the target names of an update's images.
type Images struct {
	Boot string `json:"boot"`
	Root string `json:"root"`
	Hash string `json:"hash"`
}

// Wave is one step of a rollout: hosts whose seed is at most Seed may update by Start;
// between two waves the time grows linearly with the seed (Bottlerocket's semantics).
type Wave struct {
	Seed  int
	Start time.Time
}

// Waves encode as a JSON object from seed (decimal string) to RFC 3339 time, in seed
// order.
type Waves []Wave

// MarshalJSON writes {"20": "2025-01-01T01:00:00Z", ...} in seed order.
func (w Waves) MarshalJSON() ([]byte, error) {
	s := append(Waves(nil), w...)
	sort.Slice(s, func(i, j int) bool { return s[i].Seed < s[j].Seed })
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		t, err := json.Marshal(x.Start.UTC().Format(time.RFC3339))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%q:%s", strconv.Itoa(x.Seed), t)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the object form.
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

// ParseManifest reads manifest.json.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if m.Migrations == nil {
		m.Migrations = map[string][]string{}
	}
	if m.Updates == nil {
		m.Updates = []Update{}
	}
	return &m, nil
}

// Marshal is the file form: indented JSON with a final newline.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest.json: %w", err)
	}
	return append(b, '\n'), nil
}

func emptyManifest() *Manifest {
	return &Manifest{Updates: []Update{}, Migrations: map[string][]string{}}
}

// put replaces or adds u, sets max_version on every update of u's variant and arch (to
// maxVersion, or else the highest version), adds an empty migration list for each new
// pair of consecutive versions, and sorts.
func (m *Manifest) put(u Update, maxVersion string) {
	kept := m.Updates[:0]
	for _, x := range m.Updates {
		if x.Variant != u.Variant || x.Arch != u.Arch || x.Version != u.Version {
			kept = append(kept, x)
		}
	}
	m.Updates = append(kept, u)
	if maxVersion == "" {
		for _, x := range m.Updates {
			if x.Variant == u.Variant && x.Arch == u.Arch && (maxVersion == "" || compareVersions(x.Version, maxVersion) > 0) {
				maxVersion = x.Version
			}
		}
	}
	for i := range m.Updates {
		if m.Updates[i].Variant == u.Variant && m.Updates[i].Arch == u.Arch {
			m.Updates[i].MaxVersion = maxVersion
		}
	}
	sort.SliceStable(m.Updates, func(i, j int) bool {
		a, b := m.Updates[i], m.Updates[j]
		if a.Variant != b.Variant {
			return a.Variant < b.Variant
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return compareVersions(a.Version, b.Version) > 0
	})
	var versions []string
	seen := map[string]bool{}
	for _, x := range m.Updates {
		if !seen[x.Version] {
			seen[x.Version] = true
			versions = append(versions, x.Version)
		}
	}
	sort.Slice(versions, func(i, j int) bool { return compareVersions(versions[i], versions[j]) < 0 })
	if m.Migrations == nil {
		m.Migrations = map[string][]string{}
	}
	for i := 1; i < len(versions); i++ {
		k := fmt.Sprintf("(%s, %s)", versions[i-1], versions[i])
		if _, ok := m.Migrations[k]; !ok {
			m.Migrations[k] = []string{}
		}
	}
}
