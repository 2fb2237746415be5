package boot

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/image/gpt"
)

var update = flag.Bool("update", false, "rewrite golden files")

func guid(t *testing.T, s string) [16]byte {
	t.Helper()
	g, err := gpt.ParseGUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func sum(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func testConfig() Config {
	return Config{OSName: "kitbash", SortKey: "kitbash", Parameters: []string{"console=ttyS0", "quiet"}, Timeout: 0}
}

func slotA(t *testing.T) Slot {
	return Slot{
		Name:       "a",
		Version:    "0.1.0",
		Root:       guid(t, "11111111-2222-3333-4444-555555555555"),
		Hash:       guid(t, "A1B2C3D4-E5F6-0718-293A-4B5C6D7E8F90"),
		Private:    guid(t, "cccccccc-1111-2222-3333-444444444444"),
		Data:       guid(t, "dddddddd-5555-6666-7777-888888888888"),
		RootHash:   sum("root a"),
		Salt:       sum("salt a"),
		DataBlocks: 25600,
	}
}

func slotB(t *testing.T) Slot {
	return Slot{
		Name:       "b",
		Version:    "0.2.0",
		Root:       guid(t, "66666666-7777-8888-9999-aaaaaaaaaaaa"),
		Hash:       guid(t, "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"),
		Private:    guid(t, "cccccccc-1111-2222-3333-444444444444"),
		Data:       guid(t, "dddddddd-5555-6666-7777-888888888888"),
		RootHash:   sum("root b"),
		Salt:       sum("salt b"),
		DataBlocks: 26624,
		Tries:      1,
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", p, got, want)
	}
}

func TestEntryGolden(t *testing.T) {
	c := testConfig()
	for _, tc := range []struct {
		slot         Slot
		name, golden string
	}{
		{slotA(t), "kitbash-a.conf", "kitbash-a.conf.golden"},
		{slotB(t), "kitbash-b+1.conf", "kitbash-b+1.conf.golden"},
	} {
		if err := Validate(c, tc.slot); err != nil {
			t.Fatal(err)
		}
		name, body := Entry(c, tc.slot)
		if name != tc.name {
			t.Errorf("slot %s: name %q, want %q", tc.slot.Name, name, tc.name)
		}
		golden(t, tc.golden, body)
		// Deterministic: the same input gives the same bytes.
		if name2, body2 := Entry(c, tc.slot); name2 != name || !bytes.Equal(body2, body) {
			t.Errorf("slot %s: Entry is not deterministic", tc.slot.Name)
		}
	}
}

func TestLoaderConfGolden(t *testing.T) {
	golden(t, "loader.conf.golden", LoaderConf(testConfig()))
}

func TestCmdline(t *testing.T) {
	c := testConfig()
	s := slotA(t)
	got := strings.Fields(Cmdline(c, s))
	want := []string{
		"console=ttyS0",
		"quiet",
		"kitbash.root=PARTUUID=11111111-2222-3333-4444-555555555555",
		"kitbash.hash=PARTUUID=a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90",
		"kitbash.roothash=" + hexOf(sum("root a")),
		"kitbash.salt=" + hexOf(sum("salt a")),
		"kitbash.datablocks=25600",
		"kitbash.private=PARTUUID=cccccccc-1111-2222-3333-444444444444",
		"kitbash.data=PARTUUID=dddddddd-5555-6666-7777-888888888888",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Cmdline:\n got %q\nwant %q", got, want)
	}
	if cl := Cmdline(c, s); strings.Join(got, " ") != cl {
		t.Errorf("Cmdline %q: want single spaces, no leading or trailing space", cl)
	}

	// The mixed-endian on-disk bytes are formatted in text order.
	s.Root = [16]byte{0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}
	if cl := Cmdline(c, s); !strings.Contains(cl, " kitbash.root=PARTUUID=c12a7328-f81f-11d2-ba4b-00a0c93ec93b ") {
		t.Errorf("Cmdline %q: root GUID not in text form", cl)
	}

	// Optional keys are left out when zero; an empty salt is "-"; no parameters.
	s.Private, s.Data, s.Salt = [16]byte{}, [16]byte{}, nil
	c.Parameters = nil
	got = strings.Fields(Cmdline(c, s))
	wantKeys := []string{"kitbash.root", "kitbash.hash", "kitbash.roothash", "kitbash.salt", "kitbash.datablocks"}
	if len(got) != len(wantKeys) {
		t.Fatalf("Cmdline %q: want the keys %q", got, wantKeys)
	}
	for i, k := range wantKeys {
		if !strings.HasPrefix(got[i], k+"=") {
			t.Errorf("Cmdline word %d %q: want key %s", i, got[i], k)
		}
	}
	if got[3] != "kitbash.salt=-" {
		t.Errorf("empty salt: %q, want kitbash.salt=-", got[3])
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func TestEntryName(t *testing.T) {
	c := Config{OSName: "kitbash"}
	for _, tc := range []struct {
		slot, want string
		tries      int
	}{
		{"a", "kitbash-a.conf", 0},
		{"b", "kitbash-b+1.conf", 1},
		{"a", "kitbash-a+3.conf", 3},
	} {
		if got := EntryName(c, Slot{Name: tc.slot, Tries: tc.tries}); got != tc.want {
			t.Errorf("EntryName(%s, %d) = %q, want %q", tc.slot, tc.tries, got, tc.want)
		}
	}
	// No SortKey: OSName is the sort-key, so every entry has one.
	_, body := Entry(c, Slot{Name: "a", Version: "1"})
	if !strings.Contains(string(body), "\nsort-key kitbash\n") {
		t.Errorf("entry without Config.SortKey:\n%s\nwant sort-key kitbash", body)
	}
}

func TestBless(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		ok         bool
		left, done int
	}{
		{"x+3.conf", "x.conf", true, 3, 0},
		{"x+2-1.conf", "x.conf", true, 2, 1},
		{"x+0-3.conf", "x.conf", true, 0, 3},
		{"x.conf", "x.conf", false, 0, 0},
		{"kitbash-b+0-1.conf", "kitbash-b.conf", true, 0, 1},
		{"a+b+1.conf", "a+b.conf", true, 1, 0},  // the last "+" starts the counter
		{"x+1.CONF", "x.CONF", true, 1, 0},      // the suffix is matched in any case
		{"x+1.efi", "x.efi", true, 1, 0},        // Type #2 (UKI) names count too
		{"x+.conf", "x+.conf", false, 0, 0},     // no digits
		{"x+1-.conf", "x+1-.conf", false, 0, 0}, // no done digits
		{"x+1-2-3.conf", "x+1-2-3.conf", false, 0, 0},
		{"x+1a.conf", "x+1a.conf", false, 0, 0},
		{"x+1.conf.tmp", "x+1.conf.tmp", false, 0, 0}, // not an entry
		{"x+99999999999.conf", "x+99999999999.conf", false, 0, 0},
		{"+1.conf", ".conf", true, 1, 0},
	} {
		got, ok := Bless(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Bless(%q) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		left, done, ok := Tries(tc.name)
		if ok != tc.ok || left != tc.left || done != tc.done {
			t.Errorf("Tries(%q) = %d, %d, %v; want %d, %d, %v", tc.name, left, done, ok, tc.left, tc.done, tc.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	c, s := testConfig(), slotA(t)
	if err := Validate(c, s); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*Config, *Slot)
	}{
		{"OSName", func(c *Config, s *Slot) { c.OSName = "Kit+bash" }},
		{"SortKey", func(c *Config, s *Slot) { c.SortKey = "a b" }},
		{"Parameters[1]", func(c *Config, s *Slot) { c.Parameters = []string{"a", "b c"} }},
		{"Parameters[0]", func(c *Config, s *Slot) { c.Parameters = []string{"kitbash.root=x"} }},
		{"Timeout", func(c *Config, s *Slot) { c.Timeout = -1 }},
		{"slot Name", func(c *Config, s *Slot) { s.Name = "a+1" }},
		{"Version", func(c *Config, s *Slot) { s.Version = "" }},
		{"Root", func(c *Config, s *Slot) { s.Root = [16]byte{} }},
		{"Hash", func(c *Config, s *Slot) { s.Hash = [16]byte{} }},
		{"RootHash", func(c *Config, s *Slot) { s.RootHash = s.RootHash[:31] }},
		{"Salt", func(c *Config, s *Slot) { s.Salt = make([]byte, 257) }},
		{"DataBlocks", func(c *Config, s *Slot) { s.DataBlocks = 0 }},
		{"Tries", func(c *Config, s *Slot) { s.Tries = -1 }},
	} {
		c2, s2 := c, s
		tc.edit(&c2, &s2)
		err := Validate(c2, s2)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("Validate with a bad %s: %v, want an error naming it", tc.field, err)
		}
	}
}

// sdEntry is what systemd-boot knows of an entry for ordering it.
type sdEntry struct {
	file, sortKey, version string
	left, done             int // left -1: no counter
}

func loadEntry(t *testing.T, file string, body []byte) sdEntry {
	t.Helper()
	e := sdEntry{file: file, left: -1}
	if l, d, ok := Tries(file); ok {
		e.left, e.done = l, d
	}
	for _, line := range strings.Split(string(body), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "sort-key":
			e.sortKey = v
		case "version":
			e.version = v
		}
	}
	return e
}

// sdCompare models systemd-boot's boot_entry_compare (src/boot/boot.c): exhausted
// entries last, entries with a sort-key first, then sort-key ascending, version
// descending, id descending, more tries left first, fewer tries done first.
func sdCompare(a, b sdEntry) int {
	if r := cmpBool(a.left == 0, b.left == 0); r != 0 {
		return r
	}
	if r := cmpBool(a.sortKey == "", b.sortKey == ""); r != 0 {
		return r
	}
	if a.sortKey != "" && b.sortKey != "" {
		if r := strings.Compare(a.sortKey, b.sortKey); r != 0 {
			return r
		}
		if r := -versCmp(a.version, b.version); r != 0 {
			return r
		}
	}
	if r := -versCmp(a.file, b.file); r != 0 {
		return r
	}
	if a.left < 0 || b.left < 0 {
		return 0
	}
	if a.left != b.left {
		return b.left - a.left
	}
	return a.done - b.done
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// versCmp is a small model of strverscmp_improved, enough for the dotted versions and
// names here: runs of digits compare as numbers, everything else byte by byte.
func versCmp(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) - len(nb)
			}
			if r := strings.Compare(na, nb); r != 0 {
				return r
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// esp is the loader/entries directory of an ESP.
type esp map[string][]byte

func (d esp) write(c Config, s Slot) {
	for f := range d { // an update replaces the slot's old entry
		if base, _ := Bless(f); base == c.OSName+"-"+s.Name+".conf" {
			delete(d, f)
		}
	}
	name, body := Entry(c, s)
	d[name] = body
}

// boot does what systemd-boot does: pick the default entry (the first one matching
// loader.conf's default pattern in sort order), count the try by renaming it, and
// return the booted entry's slot and its name before the rename (LoaderEntrySelected).
func (d esp) boot(t *testing.T, c Config) (slot, selected string) {
	t.Helper()
	var entries []sdEntry
	for f, body := range d {
		entries = append(entries, loadEntry(t, f, body))
	}
	slices.SortFunc(entries, sdCompare)
	pattern := strings.TrimPrefix(strings.Split(string(LoaderConf(c)), "\n")[3], "default ")
	for _, e := range entries {
		if ok, _ := path.Match(pattern, e.file); !ok {
			continue
		}
		if e.left > 0 {
			base, _ := Bless(e.file)
			next := strings.TrimSuffix(base, ".conf") + "+" + itoa(e.left-1) + "-" + itoa(e.done+1) + ".conf"
			d[next] = d[e.file]
			delete(d, e.file)
		}
		base, _ := Bless(e.file)
		return strings.TrimSuffix(strings.TrimPrefix(base, c.OSName+"-"), ".conf"), e.file
	}
	t.Fatal("no entry to boot")
	return "", ""
}

// bless is init's mark-good: rename the booted entry to its name without counter.
func (d esp) bless(selected string) {
	want, _ := Bless(selected)
	for f, body := range d {
		if base, ok := Bless(f); ok && base == want {
			delete(d, f)
			d[base] = body
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}

func (d esp) names() []string {
	var n []string
	for f := range d {
		n = append(n, f)
	}
	slices.Sort(n)
	return n
}

// TestBootCounting runs the state machine of the package documentation against the
// model of systemd-boot's ordering.
func TestBootCounting(t *testing.T) {
	c := testConfig()
	a, b := slotA(t), slotB(t)
	d := esp{}
	step := func(wantSlot string, ready bool, wantNames ...string) {
		t.Helper()
		slot, selected := d.boot(t, c)
		if slot != wantSlot {
			t.Errorf("booted slot %s (entry %s), want %s; entries %q", slot, selected, wantSlot, d.names())
		}
		if ready {
			d.bless(selected)
		}
		if got := d.names(); !slices.Equal(got, wantNames) {
			t.Errorf("after booting %s (ready %v): entries %q, want %q", slot, ready, got, wantNames)
		}
	}

	// 1. Fresh image: A, known good.
	d.write(c, a)
	step("a", true, "kitbash-a.conf")
	step("a", true, "kitbash-a.conf")

	// 2–5. Update to B that fails: one try, then A again, for good.
	d.write(c, b)
	step("b", false, "kitbash-a.conf", "kitbash-b+0-1.conf")
	step("a", true, "kitbash-a.conf", "kitbash-b+0-1.conf")
	step("a", true, "kitbash-a.conf", "kitbash-b+0-1.conf")

	// 2–4. The update again, this time B reaches ready and is blessed.
	d.write(c, b)
	step("b", true, "kitbash-a.conf", "kitbash-b.conf")
	step("b", true, "kitbash-a.conf", "kitbash-b.conf")

	// 6. The next update goes to A with a higher version (0.10.0 > 0.2.0 as versions).
	a2 := a
	a2.Version, a2.Tries = "0.10.0", 1
	d.write(c, a2)
	step("a", true, "kitbash-a.conf", "kitbash-b.conf")
	step("a", false, "kitbash-a.conf", "kitbash-b.conf")

	// Three tries: fall back after the third failed boot.
	b3 := b
	b3.Version, b3.Tries = "0.11.0", 3
	d.write(c, b3)
	step("b", false, "kitbash-a.conf", "kitbash-b+2-1.conf")
	step("b", false, "kitbash-a.conf", "kitbash-b+1-2.conf")
	step("b", false, "kitbash-a.conf", "kitbash-b+0-3.conf")
	step("a", false, "kitbash-a.conf", "kitbash-b+0-3.conf")
}

// TestSortKeyNeeded shows why every entry has a sort-key: without one systemd-boot
// orders by reverse id, and slot b would win over a newer slot a.
func TestSortKeyNeeded(t *testing.T) {
	c := testConfig()
	a, b := slotA(t), slotB(t)
	a.Version, b.Version, b.Tries = "0.3.0", "0.2.0", 0
	na, ba := Entry(c, a)
	nb, bb := Entry(c, b)
	ea, eb := loadEntry(t, na, ba), loadEntry(t, nb, bb)
	if sdCompare(ea, eb) >= 0 {
		t.Errorf("with sort-keys, %s (0.3.0) does not sort before %s (0.2.0)", na, nb)
	}
	ea.sortKey, eb.sortKey = "", ""
	if sdCompare(ea, eb) <= 0 {
		t.Errorf("model: without sort-keys, %s should sort after %s", na, nb)
	}
}

func TestValidateAllowsOnlyTheReadyTimeoutKey(t *testing.T) {
	c := testConfig()
	c.Parameters = append(c.Parameters, "kitbash.ready-timeout=30")
	if err := Validate(c, slotA(t)); err != nil {
		t.Fatalf("kitbash.ready-timeout refused: %v", err)
	}
	c.Parameters = append(c.Parameters, "kitbash.roothash=00")
	if err := Validate(c, slotA(t)); err == nil || !strings.Contains(err.Error(), "kitbash.roothash=00") {
		t.Fatalf("kitbash.roothash in the parameters: %v", err)
	}
}
