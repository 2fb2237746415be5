package updater

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// defaultWaves is builder/tufrepo's "default" policy released at t0: 1% after an hour,
// ..., all after 6 days (seed bound = percent of 2048).
func defaultWaves(start time.Time) Waves {
	h, d := time.Hour, 24*time.Hour
	return Waves{
		{20, start.Add(h)}, {102, start.Add(4 * h)}, {307, start.Add(d)}, {819, start.Add(2 * d)},
		{1228, start.Add(4 * d)}, {1843, start.Add(5 * d)}, {2048, start.Add(6 * d)},
	}
}

func TestWavesStartFor(t *testing.T) {
	w := defaultWaves(t0)
	h := time.Hour
	for _, tc := range []struct {
		seed int
		want time.Time
	}{
		{0, t0.Add(h)},              // below the first bound: the first wave's start
		{1, t0.Add(h)},              //
		{20, t0.Add(h)},             // on a bound: its start
		{61, t0.Add(h + 3*h*41/82)}, // halfway between 20 and 102: 1h + 1h30m
		{102, t0.Add(4 * h)},
		{103, t0.Add(4*h + 20*h*1/205)}, // 4h..24h over 102..307
		{307, t0.Add(24 * h)},
		{563, t0.Add(36 * h)}, // halfway between 307 and 819: 1d + 12h
		{2047, t0.Add(5*24*h + 24*h*204/205)},
		{2048, t0.Add(6 * 24 * h)},
	} {
		if got := w.StartFor(tc.seed); !got.Equal(tc.want) {
			t.Errorf("seed %d: start %s, want %s", tc.seed, got, tc.want)
		}
	}
	// Above the last bound: the last wave's start.
	short := Waves{{100, t0}, {1000, t0.Add(h)}}
	if got := short.StartFor(1500); !got.Equal(t0.Add(h)) {
		t.Errorf("above the last bound: %s", got)
	}
	if got := (Waves{}).StartFor(5); !got.IsZero() {
		t.Errorf("no waves: %s, want the zero time", got)
	}
	// A single wave: everyone from its start.
	if got := (Waves{{2048, t0}}).StartFor(2000); !got.Equal(t0) {
		t.Errorf("single wave: %s", got)
	}
}

func TestWavesJSON(t *testing.T) {
	var w Waves
	if err := json.Unmarshal([]byte(`{"1024": "2025-01-01T02:00:00Z", "0": "2025-01-01T00:00:00+00:00", "2048": "2025-01-01T04:00:00Z"}`), &w); err != nil {
		t.Fatal(err)
	}
	if len(w) != 3 || w[0].Seed != 0 || w[1].Seed != 1024 || w[2].Seed != 2048 {
		t.Fatalf("waves %+v, want sorted by seed", w)
	}
	if got := w.StartFor(512); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("seed 512: %s", got)
	}
	for _, bad := range []string{`{"x": "2025-01-01T00:00:00Z"}`, `{"2049": "2025-01-01T00:00:00Z"}`, `{"-1": "2025-01-01T00:00:00Z"}`, `{"1": "yesterday"}`, `[]`} {
		if err := json.Unmarshal([]byte(bad), &w); err == nil {
			t.Errorf("waves %s: no error", bad)
		}
	}
	b, err := json.Marshal(Waves{{20, t0}})
	if err != nil || string(b) != `{"20":"2025-01-01T00:00:00Z"}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
}

// testManifest: variant dev x86_64 publishes 1.0.0 (no waves), 1.1.0 (waves long
// past), 1.2.0 (default waves from t0) and 1.3.0 (above max_version 1.2.0); dev
// aarch64 5.0.0; other x86_64 9.0.0.
func testManifest() *Manifest {
	past := defaultWaves(t0.Add(-30 * 24 * time.Hour))
	u := func(variant, arch, v, max string, w Waves) Update {
		return Update{Variant: variant, Arch: arch, Version: v, MaxVersion: max, Waves: w,
			Images: Images{Root: variant + "-" + v + "-root.zst", Hash: variant + "-" + v + "-hash.zst", Boot: variant + "-" + v + "-boot.zst"}}
	}
	return &Manifest{
		Updates: []Update{
			u("dev", "x86_64", "1.3.0", "1.2.0", defaultWaves(t0)),
			u("dev", "x86_64", "1.2.0", "1.2.0", defaultWaves(t0)),
			u("dev", "x86_64", "1.1.0", "1.2.0", past),
			u("dev", "x86_64", "1.0.0", "1.2.0", nil),
			u("dev", "aarch64", "5.0.0", "5.0.0", nil),
			u("other", "x86_64", "9.0.0", "9.0.0", nil),
			u("dev2", "x86_64", "1.0.0", "2.0.0", nil),
			u("dev3", "x86_64", "not-a-version", "1.0.0", nil),
			u("dev3", "x86_64", "1.0.0", "1.0.0", nil),
		},
		Migrations: map[string][]string{"(1.0.0, 1.1.0)": {}, "(1.1.0, 1.2.0)": {"dev-x86_64-1.2.0-migration.json", "other-x86_64-1.2.0-migration.json"}, "(1.2.0, 1.3.0)": {}},
	}
}

func TestChoose(t *testing.T) {
	h, d := time.Hour, 24*time.Hour
	cfg := func(mod func(*Config)) Config {
		c := Config{Variant: "dev", Arch: "x86_64", Version: "1.0.0", VersionLock: LockLatest, Seed: 100}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	for _, tc := range []struct {
		name      string
		c         Config
		now       time.Time
		want      string // chosen version, "" for none
		downgrade bool
		reason    string // a substring of the reason
		waveStart time.Time
		migs      []string
	}{
		{name: "all waves passed: the newest at or below max_version", c: cfg(nil), now: t0.Add(7 * d), want: "1.2.0",
			reason: "newer than the running", waveStart: t0.Add(h + 3*h*80/82), migs: []string{"dev-x86_64-1.2.0-migration.json"}},
		{name: "before 1.2.0's waves: 1.1.0, whose waves are past", c: cfg(nil), now: t0, want: "1.1.0", migs: []string{}},
		{name: "seed 20 at its bound's time", c: cfg(func(c *Config) { c.Seed = 20; c.Version = "1.1.0" }), now: t0.Add(h), want: "1.2.0", waveStart: t0.Add(h)},
		{name: "seed 20 a second early", c: cfg(func(c *Config) { c.Seed = 20; c.Version = "1.1.0" }), now: t0.Add(h - time.Second),
			reason: "update 1.2.0 waits for this host's wave (seed 20): it starts at 2025-01-01T01:00:00Z", waveStart: t0.Add(h)},
		{name: "seed 61 interpolated: not yet at 2h29m", c: cfg(func(c *Config) { c.Seed = 61; c.Version = "1.1.0" }), now: t0.Add(2*h + 29*time.Minute),
			reason: "starts at 2025-01-01T02:30:00Z", waveStart: t0.Add(2*h + 30*time.Minute)},
		{name: "seed 61 interpolated: at 2h30m", c: cfg(func(c *Config) { c.Seed = 61; c.Version = "1.1.0" }), now: t0.Add(2*h + 30*time.Minute), want: "1.2.0"},
		{name: "seed 0 waits for the first wave", c: cfg(func(c *Config) { c.Seed = 0; c.Version = "1.1.0" }), now: t0.Add(30 * time.Minute), reason: "waits"},
		{name: "seed 2048 waits for the last wave", c: cfg(func(c *Config) { c.Seed = 2048; c.Version = "1.1.0" }), now: t0.Add(6*d - time.Second), reason: "waits", waveStart: t0.Add(6 * d)},
		{name: "seed 2048 at the last wave", c: cfg(func(c *Config) { c.Seed = 2048; c.Version = "1.1.0" }), now: t0.Add(6 * d), want: "1.2.0"},
		{name: "ignore waves", c: cfg(func(c *Config) { c.Seed = 2048; c.IgnoreWaves = true }), now: t0, want: "1.2.0"},
		{name: "running the newest", c: cfg(func(c *Config) { c.Version = "1.2.0" }), now: t0.Add(7 * d), reason: "running version 1.2.0 is the chosen version"},
		{name: "running the newest started; a newer one waits", c: cfg(func(c *Config) { c.Version = "1.1.0"; c.Seed = 2000 }), now: t0.Add(2 * h),
			reason: "waits", waveStart: t0.Add(5*d + 24*h*157/205)},
		{name: "lock on a published version", c: cfg(func(c *Config) { c.VersionLock = "1.1.0" }), now: t0.Add(7 * d), want: "1.1.0", reason: "version lock 1.1.0"},
		{name: "lock on the running version", c: cfg(func(c *Config) { c.VersionLock = "1.0.0" }), now: t0.Add(7 * d), reason: "running version 1.0.0 is the chosen version"},
		{name: "lock on an unpublished version", c: cfg(func(c *Config) { c.VersionLock = "1.1.5" }), now: t0.Add(7 * d), reason: "version lock 1.1.5: no such update"},
		{name: "lock above max_version", c: cfg(func(c *Config) { c.VersionLock = "1.3.0" }), now: t0.Add(7 * d), reason: "no such update"},
		{name: "lock waits for its wave", c: cfg(func(c *Config) { c.VersionLock = "1.2.0"; c.Seed = 2048 }), now: t0.Add(h), reason: "update 1.2.0 waits"},
		{name: "lock on an older version: downgrade", c: cfg(func(c *Config) { c.VersionLock = "1.0.0"; c.Version = "1.2.0" }), now: t0.Add(7 * d),
			want: "1.0.0", downgrade: true, reason: "older than the running", migs: []string{"dev-x86_64-1.2.0-migration.json"}},
		{name: "max_version caps a newer publication", c: cfg(func(c *Config) { c.Version = "1.2.0"; c.IgnoreWaves = true }), now: t0, reason: "is the chosen version"},
		{name: "above max_version: downgrade to it", c: cfg(func(c *Config) { c.Version = "1.4.0" }), now: t0.Add(7 * d), want: "1.2.0", downgrade: true,
			reason: "above max_version 1.2.0", migs: nil},
		{name: "above max_version, not to an older one while max_version waits", c: cfg(func(c *Config) { c.Version = "1.4.0"; c.Seed = 2048 }), now: t0.Add(h),
			reason: "downgrade: update 1.2.0 waits"},
		{name: "running newer than every update below max_version", c: cfg(func(c *Config) { c.Variant = "dev2"; c.Version = "1.5.0" }), now: t0,
			reason: "newer than every available update"},
		{name: "other arch", c: cfg(func(c *Config) { c.Arch = "aarch64" }), now: t0, want: "5.0.0"},
		{name: "unknown variant", c: cfg(func(c *Config) { c.Variant = "nope" }), now: t0, reason: "manifest.json has no update for variant nope, arch x86_64"},
		{name: "unknown arch", c: cfg(func(c *Config) { c.Arch = "riscv64" }), now: t0, reason: "no update for variant dev, arch riscv64"},
		{name: "bad versions are skipped", c: cfg(func(c *Config) { c.Variant = "dev3"; c.Version = "0.9.0" }), now: t0, want: "1.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := Choose(testManifest(), tc.c, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if ch.Update != nil {
				got = ch.Update.Version
				if ch.Update.Variant != tc.c.Variant || ch.Update.Arch != tc.c.Arch {
					t.Errorf("chose %s/%s", ch.Update.Variant, ch.Update.Arch)
				}
			}
			if got != tc.want || ch.Downgrade != tc.downgrade {
				t.Errorf("chose %q (downgrade %v), want %q (downgrade %v); reason %q", got, ch.Downgrade, tc.want, tc.downgrade, ch.Reason)
			}
			if !strings.Contains(ch.Reason, tc.reason) || ch.Reason == "" {
				t.Errorf("reason %q, want it to contain %q", ch.Reason, tc.reason)
			}
			if !tc.waveStart.IsZero() && (ch.WaveStart == nil || !ch.WaveStart.Equal(tc.waveStart)) {
				t.Errorf("wave start %v, want %s", ch.WaveStart, tc.waveStart)
			}
			if tc.migs != nil && !slices.Equal(ch.Migrations, tc.migs) {
				t.Errorf("migrations %q, want %q", ch.Migrations, tc.migs)
			}
			if ch.Running != tc.c.Version {
				t.Errorf("running %q", ch.Running)
			}
		})
	}
	if ch, _ := Choose(testManifest(), cfg(func(c *Config) { c.Variant = "dev3"; c.Version = "0.9.0" }), t0); len(ch.Warnings) == 0 || !strings.Contains(ch.Warnings[0], "not-a-version") {
		t.Errorf("warnings %q, want the bad version", ch.Warnings)
	}
	for _, c := range []Config{cfg(func(c *Config) { c.Version = "x" }), cfg(func(c *Config) { c.VersionLock = "1.0" })} {
		if _, err := Choose(testManifest(), c, t0); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestMigrationsFor(t *testing.T) {
	m := &Manifest{Migrations: map[string][]string{
		"(1.0.0, 1.1.0)": {"a"},
		"(1.1.0, 1.2.0)": {"b", "c"},
		"(1.2.0, 1.3.0)": {},
		"(2.0.0, 2.1.0)": {"x"},
		"(2.0.0, 2.2.0)": {"direct"},
		"(2.1.0, 2.2.0)": {"y"},
		"bad":            {"z"},
	}}
	for _, tc := range []struct {
		from, to string
		want     []string
		ok       bool
	}{
		{"1.0.0", "1.1.0", []string{"a"}, true},
		{"1.0.0", "1.2.0", []string{"a", "b", "c"}, true},
		{"1.0.0", "1.3.0", []string{"a", "b", "c"}, true},
		{"1.3.0", "1.0.0", []string{"c", "b", "a"}, true}, // downgrade: reversed
		{"1.2.0", "1.2.0", nil, true},
		{"2.0.0", "2.2.0", []string{"direct"}, true}, // the biggest step first
		{"2.0.0", "2.1.0", []string{"x"}, true},
		{"1.0.0", "1.4.0", nil, false},
		{"0.9.0", "1.1.0", nil, false},
	} {
		got, ok := m.MigrationsFor(tc.from, tc.to)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("%s -> %s: %q, %v; want %q, %v", tc.from, tc.to, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseManifest(t *testing.T) {
	// builder/tufrepo's file form.
	b := []byte(`{
  "updates": [
    {
      "variant": "dev",
      "arch": "x86_64",
      "version": "0.2.0",
      "max_version": "0.2.0",
      "waves": {"20": "2025-01-01T01:00:00Z", "2048": "2025-01-07T00:00:00Z"},
      "images": {"boot": "dev-x86_64-0.2.0-boot.zst", "root": "dev-x86_64-0.2.0-root.zst", "hash": "dev-x86_64-0.2.0-hash.zst"}
    }
  ],
  "migrations": {"(0.1.0, 0.2.0)": []}
}
`)
	m, err := ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	u := m.Updates[0]
	if u.Version != "0.2.0" || u.MaxVersion != "0.2.0" || u.Images.Root != "dev-x86_64-0.2.0-root.zst" || len(u.Waves) != 2 || u.Waves[0].Seed != 20 {
		t.Errorf("parsed %+v", u)
	}
	if l, ok := m.Migrations["(0.1.0, 0.2.0)"]; !ok || len(l) != 0 {
		t.Errorf("migrations %v", m.Migrations)
	}
	if m, err := ParseManifest([]byte(`{}`)); err != nil || m.Migrations == nil {
		t.Errorf("empty manifest: %v, %v", m, err)
	}
	if _, err := ParseManifest([]byte(`{"updates": 1}`)); err == nil {
		t.Error("bad manifest: no error")
	}
}
