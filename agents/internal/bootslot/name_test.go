package bootslot

import "testing"

// TestBless is builder/image/boot's TestBless: the same table, the same answers.
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

func TestSlotOfAndNames(t *testing.T) {
	for _, tc := range []struct {
		name, slot string
		ok         bool
		state      string
	}{
		{"kitbash-a.conf", "a", true, "good"},
		{"kitbash-b+1.conf", "b", true, "trial"},
		{"kitbash-b+2-1.conf", "b", true, "trial"},
		{"kitbash-b+0-1.conf", "b", true, "exhausted"},
		{"kitbash-b+0.conf", "b", true, "exhausted"},
		{"kitbash-c.conf", "", false, "good"},
		{"kitbash-b.new", "", false, "good"},
		{"other-a.conf", "", false, "good"},
		{"kitbash-a+1.efi", "", false, "trial"},
	} {
		s, ok := SlotOf(tc.name)
		if s != tc.slot || ok != tc.ok {
			t.Errorf("SlotOf(%q) = %q, %v; want %q, %v", tc.name, s, ok, tc.slot, tc.ok)
		}
		if got := ParseEntry(tc.name, nil).State(); got != tc.state {
			t.Errorf("state of %q = %s, want %s", tc.name, got, tc.state)
		}
	}
	if got := TrialName("b", 1, 0); got != "kitbash-b+1.conf" {
		t.Errorf("TrialName(b, 1, 0) = %q", got)
	}
	if got := TrialName("a", 0, 3); got != "kitbash-a+0-3.conf" {
		t.Errorf("TrialName(a, 0, 3) = %q", got)
	}
	if got := GoodName("a"); got != "kitbash-a.conf" {
		t.Errorf("GoodName(a) = %q", got)
	}
	if got, _ := Bless(TrialName("b", 0, 1)); got != GoodName("b") {
		t.Errorf("Bless(TrialName) = %q", got)
	}
}

func TestVersionCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"0.2.0", "0.1.0", 1},
		{"0.10.0", "0.2.0", 1},
		{"0.1.0", "0.1.0", 0},
		{"0.1.0", "0.1", 1},    // more segments is newer
		{"1.0~rc1", "1.0", -1}, // '~' is a pre-release
		{"1.0-1", "1.0.1", -1}, // '-' older than '.'
		{"1.0a", "1.0", 1},     //
		{"1.01", "1.1", 0},     // leading zeros
		{"kitbash-b+1.conf", "kitbash-a.conf", 1},
		{"", "1", -1},
	} {
		if got := versionCompare(tc.a, tc.b); got != tc.want {
			t.Errorf("versionCompare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := versionCompare(tc.b, tc.a); got != -tc.want {
			t.Errorf("versionCompare(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestEFIString(t *testing.T) {
	b := EncodeEFIString("kitbash-b+1.conf")
	if got := EFIString(b[4:]); got != "kitbash-b+1.conf" {
		t.Errorf("EFIString = %q", got)
	}
}
