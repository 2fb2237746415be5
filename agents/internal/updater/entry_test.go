package updater

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func sumHex(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// The slots and expected texts of builder/image/boot's tests (boot_test.go, slotA and
// slotB; testdata/kitbash-a.conf.golden and kitbash-b+1.conf.golden).
func builderConfig() BootConfig {
	return BootConfig{OSName: "kitbash", SortKey: "kitbash", Parameters: []string{"console=ttyS0", "quiet"}}
}

func builderSlotA() BootSlot {
	return BootSlot{Name: "a", Version: "0.1.0",
		Root: "11111111-2222-3333-4444-555555555555", Hash: "A1B2C3D4-E5F6-0718-293A-4B5C6D7E8F90",
		Private: "cccccccc-1111-2222-3333-444444444444", Data: "dddddddd-5555-6666-7777-888888888888",
		RootHash: sumHex("root a"), Salt: sumHex("salt a"), DataBlocks: 25600}
}

func builderSlotB() BootSlot {
	return BootSlot{Name: "b", Version: "0.2.0",
		Root: "66666666-7777-8888-9999-aaaaaaaaaaaa", Hash: "bbbbbbbb-cccc-dddd-eeee-ffffffffffff",
		Private: "cccccccc-1111-2222-3333-444444444444", Data: "dddddddd-5555-6666-7777-888888888888",
		RootHash: sumHex("root b"), Salt: sumHex("salt b"), DataBlocks: 26624}
}

const goldenA = `title kitbash 0.1.0 (slot a)
sort-key kitbash
version 0.1.0
linux /a/vmlinuz
initrd /a/initrd
options console=ttyS0 quiet kitbash.root=PARTUUID=11111111-2222-3333-4444-555555555555 kitbash.hash=PARTUUID=a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90 kitbash.roothash=9b0fbf23a3dee125fb975a8bc4f93c3e9b09dc3e336ac7c36df25f4eb4620593 kitbash.salt=a9b4cf65eba7bbdedd8f08722f2181771d2bfd752dcf52f2d54be12e059b7da6 kitbash.datablocks=25600 kitbash.private=PARTUUID=cccccccc-1111-2222-3333-444444444444 kitbash.data=PARTUUID=dddddddd-5555-6666-7777-888888888888
`

const goldenB = `title kitbash 0.2.0 (slot b)
sort-key kitbash
version 0.2.0
linux /b/vmlinuz
initrd /b/initrd
options console=ttyS0 quiet kitbash.root=PARTUUID=66666666-7777-8888-9999-aaaaaaaaaaaa kitbash.hash=PARTUUID=bbbbbbbb-cccc-dddd-eeee-ffffffffffff kitbash.roothash=56167816204070209659bb3684db82b7c5a14fa9b59d1cb27746585d8f0a3584 kitbash.salt=eadbd1ef33d4d98f471cfdd55cdceb7c2c449946c3e3811fed2b2c390c64ab8a kitbash.datablocks=26624 kitbash.private=PARTUUID=cccccccc-1111-2222-3333-444444444444 kitbash.data=PARTUUID=dddddddd-5555-6666-7777-888888888888
`

func TestEntryMatchesBuilder(t *testing.T) {
	c := builderConfig()
	for _, tc := range []struct {
		s    BootSlot
		want string
	}{{builderSlotA(), goldenA}, {builderSlotB(), goldenB}} {
		if err := ValidateBootSlot(c, tc.s); err != nil {
			t.Fatal(err)
		}
		if got := string(Entry(c, tc.s)); got != tc.want {
			t.Errorf("slot %s entry:\n%s\nwant:\n%s", tc.s.Name, got, tc.want)
		}
	}
	// The sort-key defaults to the OS name, as the image builder leaves it.
	c.SortKey = ""
	if got := string(Entry(c, builderSlotB())); got != goldenB {
		t.Errorf("without a sort-key:\n%s", got)
	}
}

func TestCmdline(t *testing.T) {
	c := builderConfig()
	s := builderSlotA()
	want := "console=ttyS0 quiet kitbash.root=PARTUUID=11111111-2222-3333-4444-555555555555 kitbash.hash=PARTUUID=a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90" +
		" kitbash.roothash=" + sumHex("root a") + " kitbash.salt=" + sumHex("salt a") + " kitbash.datablocks=25600" +
		" kitbash.private=PARTUUID=cccccccc-1111-2222-3333-444444444444 kitbash.data=PARTUUID=dddddddd-5555-6666-7777-888888888888"
	if got := Cmdline(c, s); got != want {
		t.Errorf("Cmdline:\n got %s\nwant %s", got, want)
	}
	// Optional keys left out, an empty salt is "-", no parameters.
	s.Private, s.Data, s.Salt = "", "", ""
	c.Parameters = nil
	want = "kitbash.root=PARTUUID=11111111-2222-3333-4444-555555555555 kitbash.hash=PARTUUID=a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90" +
		" kitbash.roothash=" + sumHex("root a") + " kitbash.salt=- kitbash.datablocks=25600"
	if got := Cmdline(c, s); got != want {
		t.Errorf("Cmdline without options:\n got %s\nwant %s", got, want)
	}
}

func TestValidateBootSlot(t *testing.T) {
	c := builderConfig()
	for _, tc := range []struct {
		name string
		mod  func(*BootConfig, *BootSlot)
		want string
	}{
		{"short root hash", func(c *BootConfig, s *BootSlot) { s.RootHash = "abcd" }, "rootHash"},
		{"bad salt", func(c *BootConfig, s *BootSlot) { s.Salt = "xyz" }, "salt"},
		{"no root", func(c *BootConfig, s *BootSlot) { s.Root = "" }, "root partition GUID missing"},
		{"bad private", func(c *BootConfig, s *BootSlot) { s.Private = "nope" }, "private partition GUID"},
		{"no blocks", func(c *BootConfig, s *BootSlot) { s.DataBlocks = 0 }, "dataBlocks"},
		{"space in a parameter", func(c *BootConfig, s *BootSlot) { c.Parameters = []string{"a b"} }, "parameters[0]"},
		{"kitbash parameter", func(c *BootConfig, s *BootSlot) { c.Parameters = []string{"kitbash.root=x"} }, "kitbash.* keys"},
		{"version", func(c *BootConfig, s *BootSlot) { s.Version = "" }, "version"},
	} {
		cc, s := c, builderSlotB()
		tc.mod(&cc, &s)
		if err := ValidateBootSlot(cc, s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	s := builderSlotB()
	s.Salt = ""
	if err := ValidateBootSlot(c, s); err != nil {
		t.Errorf("empty salt: %v", err)
	}
	// the one kitbash.* parameter a variant sets: init's watchdog for slots on trial
	cw := c
	cw.Parameters = append(append([]string(nil), c.Parameters...), "kitbash.ready-timeout=20")
	if err := ValidateBootSlot(cw, builderSlotB()); err != nil {
		t.Errorf("kitbash.ready-timeout refused: %v", err)
	}
}
