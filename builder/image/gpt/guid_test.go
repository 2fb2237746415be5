package gpt

import (
	"bytes"
	"strings"
	"testing"
)

func TestGUIDKnownExample(t *testing.T) {
	want := [16]byte{0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11, 0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B}
	g, err := ParseGUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
	if err != nil {
		t.Fatal(err)
	}
	if g != want {
		t.Fatalf("ParseGUID(ESP) = % X, want % X", g, want)
	}
	if TypeESP() != want {
		t.Fatalf("TypeESP() = % X", TypeESP())
	}
	if s := GUIDString(want); s != "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" {
		t.Fatalf("GUIDString = %s", s)
	}
}

func TestGUIDTypes(t *testing.T) {
	for _, c := range []struct {
		g    [16]byte
		want string
	}{
		{TypeESP(), "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"},
		{TypeRootAMD64(), "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"},
		{TypeRootVerityAMD64(), "2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5"},
		{TypeLinux(), "0FC63DAF-8483-4772-8E79-3D69D8477DE4"},
	} {
		if got := strings.ToUpper(GUIDString(c.g)); got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
		lower, err := ParseGUID(strings.ToLower(c.want))
		if err != nil || lower != c.g {
			t.Errorf("ParseGUID(lower %s) = % X, %v", c.want, lower, err)
		}
	}
}

func TestParseGUIDErrors(t *testing.T) {
	for _, s := range []string{
		"",
		"C12A7328F81F11D2BA4B00A0C93EC93B",
		"{C12A7328-F81F-11D2-BA4B-00A0C93EC93B}",
		"C12A7328-F81F-11D2-BA4B-00A0C93EC93",
		"C12A7328-F81F-11D2-BA4B_00A0C93EC93B",
		"G12A7328-F81F-11D2-BA4B-00A0C93EC93B",
	} {
		if _, err := ParseGUID(s); err == nil {
			t.Errorf("ParseGUID(%q): no error", s)
		}
	}
}

func TestDeriveGUID(t *testing.T) {
	a := DeriveGUID("kitbash-dev/x86_64/1.0.0", "ROOT-A")
	if a != DeriveGUID("kitbash-dev/x86_64/1.0.0", "ROOT-A") {
		t.Fatal("not deterministic")
	}
	seen := map[[16]byte]string{}
	for _, c := range [][2]string{
		{"kitbash-dev/x86_64/1.0.0", "ROOT-A"},
		{"kitbash-dev/x86_64/1.0.0", "ROOT-B"},
		{"kitbash-dev/x86_64/1.0.1", "ROOT-A"},
		{"ab", "c"},
		{"a", "bc"},
		{"", "disk"},
	} {
		g := DeriveGUID(c[0], c[1])
		if prev, ok := seen[g]; ok {
			t.Fatalf("%v and %s give the same GUID", c, prev)
		}
		seen[g] = c[0] + "|" + c[1]
		s := GUIDString(g)
		if s[14] != '4' || !strings.ContainsRune("89ab", rune(s[19])) {
			t.Errorf("DeriveGUID%v = %s: want version 4, variant 10", c, s)
		}
		back, err := ParseGUID(s)
		if err != nil || back != g {
			t.Errorf("round trip of %s: % X, %v", s, back, err)
		}
	}
	// Pinned, so a change to the derivation (which would change every image) is seen.
	if got := GUIDString(DeriveGUID("kitbash-dev/x86_64/1.0.0", "disk")); got != pinnedDiskGUID {
		t.Errorf("DeriveGUID(kitbash-dev/x86_64/1.0.0, disk) = %s, want %s", got, pinnedDiskGUID)
	}
	if bytes.Equal(a[:], make([]byte, 16)) {
		t.Fatal("zero GUID")
	}
}

const pinnedDiskGUID = "c509eeea-b602-4a87-9c95-2b50ec3180d6" // checked with Python hashlib+uuid
