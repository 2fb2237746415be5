package project

import (
	"testing"
	"time"
)

func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{
		"1024": 1024, "0": 0, "20GiB": 20 << 30, "512MB": 512e6, "1 KiB": 1024, "3tb": 3e12, "7B": 7, "2TiB": 2 << 40,
	} {
		var b ByteSize
		if err := b.UnmarshalText([]byte(in)); err != nil || b != want {
			t.Errorf("parse %q = %d, %v; want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1GiB", "1.5GiB", "20XB", "99999999999TiB", "1 2"} {
		var b ByteSize
		if err := b.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("parse %q = %d, want an error", in, b)
		}
	}
	for b, want := range map[ByteSize]string{0: "0B", 20 << 30: "20GiB", 512e6: "512MB", 1000: "1KB", 1023: "1023B", 1536: "1536B", 2 << 40: "2TiB", 3e12: "3TB"} {
		got, _ := b.MarshalText()
		if string(got) != want {
			t.Errorf("format %d = %s, want %s", b, got, want)
		}
		var back ByteSize
		if err := back.UnmarshalText(got); err != nil || back != b {
			t.Errorf("round trip %d → %s → %d, %v", b, got, back, err)
		}
	}
}

func TestCacheDefaults(t *testing.T) {
	var c Cache
	if c.MaxSizeBytes() != 20<<30 || c.Keep() != 168*time.Hour {
		t.Errorf("defaults: %d %v", c.MaxSizeBytes(), c.Keep())
	}
	c = Cache{MaxSize: 1 << 30, KeepDuration: Duration(time.Hour)}
	if c.MaxSizeBytes() != 1<<30 || c.Keep() != time.Hour {
		t.Errorf("set: %d %v", c.MaxSizeBytes(), c.Keep())
	}
	var d Duration
	if err := d.UnmarshalText([]byte("90m")); err != nil || time.Duration(d) != 90*time.Minute {
		t.Errorf("duration: %v %v", d, err)
	}
	if text, _ := d.MarshalText(); string(text) != "1h30m0s" {
		t.Errorf("duration text %s", text)
	}
}
