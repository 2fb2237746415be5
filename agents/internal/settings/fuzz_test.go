package settings

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecodeSettings feeds arbitrary bytes to the settings decoder. Whatever it
// accepts must be valid for the schema and survive a round trip through JSON.
func FuzzDecodeSettings(f *testing.F) {
	s := testSchema(f)
	for _, seed := range []string{
		`{}`, `{"motd": "hi"}`, `{"net": {"mtu": 1500, "mode": "static", "hostname": "h-1"}}`,
		`{"ntp": {"servers": ["a.b", "c"], "enabled": false}}`, `{"kubernetes": {"labels": {"a": "b", "": "c"}}}`,
		`{"motd": null}`, `{"net": {"mtu": 1e3}}`, `{"motd": "\u0000\ud800"}`, `[1,2]`, `{"a":{"b":{"c":[[[]]]}}}`,
		`{"motd": "a", "motd": "a"}`, `{"log": {"level": ["debug"]}}`, `{"net": {"mtu": -9223372036854775809}}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, allowNull bool) {
		v, ps := s.Decode(data, allowNull)
		if len(ps) > 0 {
			if v != nil {
				t.Fatal("values returned with problems")
			}
			for _, p := range ps {
				if p.Reason == "" {
					t.Fatalf("problem without a reason: %+v", ps)
				}
			}
			return
		}
		for k, x := range v {
			d, ok := s.Decl(k)
			if !ok {
				t.Fatalf("undeclared key %q accepted", k)
			}
			if x == nil {
				if !allowNull {
					t.Fatalf("null accepted for %s", k)
				}
				continue
			}
			if _, ps := d.Check(k, x); len(ps) > 0 {
				t.Fatalf("canonical value of %s fails its check: %v", k, ps)
			}
		}
		b, err := json.Marshal(ToTree(v))
		if err != nil {
			t.Fatal(err)
		}
		back, ps := s.Decode(b, allowNull)
		if len(ps) > 0 || !reflect.DeepEqual(back, v) {
			t.Fatalf("round trip of %s: %#v vs %#v (%v)", b, back, v, ps)
		}
	})
}
