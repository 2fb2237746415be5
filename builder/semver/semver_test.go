package semver

import "testing"

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"0.1.0", "0.2.0", -1}, {"0.10.0", "0.9.0", 1}, {"1.0.0", "1.0.0+b1", 0},
		{"1.0.0-rc.1", "1.0.0", -1}, {"1.0.0-a", "1.0.0-b", -1}, {"x", "0.1.0", 1}, {"x", "y", -1},
	} {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Compare(c.b, c.a); got != -c.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, s := range []string{"", "1", "1.2", "1.2.x", "01.2.3", "1.2.3.4"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}
