package tufclient

import (
	"testing"
)

func TestCanonicalJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"b": [1, true, null, "x"], "a": {"d": "q\"\\\n<>&\u00e9\u003c", "c": -3}}`,
			"{\"a\":{\"c\":-3,\"d\":\"q\\\"\\\\\n<>&\u00e9<\"},\"b\":[1,true,null,\"x\"]}"},
		{`{"é": 1, "a": 2, "B": 3, "_type": 4}`, `{"B":3,"_type":4,"a":2,"é":1}`},
		{` [ ] `, `[]`},
		{`{}`, `{}`},
		{`"\t\/"`, "\"\t/\""},
		{`12345678901234`, `12345678901234`},
	} {
		got, err := canonicalize([]byte(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if string(got) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	for _, in := range []string{`1.5`, `{"a": 1e3}`, `{"a": 1} x`, `{"a":`} {
		if got, err := canonicalize([]byte(in)); err == nil {
			t.Errorf("%s: %s, want an error", in, got)
		}
	}
}
