package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/settings"
)

// FuzzDecodeRequest feeds arbitrary PATCH bodies and GET key lists to the request
// decoders: they never panic, reject with a 4xx and at least one reasoned problem, and
// accept only declared settings with values their declarations allow.
func FuzzDecodeRequest(f *testing.F) {
	schema, err := settings.NewSchema(settings.File{Path: "/usr/share/kitbash/settings.d/10-test.json", Data: []byte(schemaJSON)})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct{ body, keys string }{
		{`{"motd": "hi"}`, "motd"},
		{`{"net": {"mtu": 1500, "mode": "static"}}`, "net,ntp.*"},
		{`{"ntp": {"servers": [], "enabled": null}}`, "ntp.servers,,"},
		{`{"kubernetes": {"labels": {"a.b/c": "d"}}}`, "kubernetes.labels"},
		{`{"motd": 1}`, "nope"},
		{`[]`, "net.*.*"},
		{`{"a":`, "%zz"},
		{"", ""},
	} {
		f.Add([]byte(seed.body), seed.keys, "application/json")
	}
	f.Add([]byte(`{}`), "", "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, keys, ctype string) {
		req := httptest.NewRequest(http.MethodPatch, "/v1/settings", bytes.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		v, err := DecodePatch(schema, req, 4096)
		if err != nil {
			checkError(t, err)
		} else {
			for k, x := range v {
				d, ok := schema.Decl(k)
				if !ok {
					t.Fatalf("undeclared %q accepted", k)
				}
				if x != nil {
					if _, ps := d.Check(k, x); len(ps) > 0 {
						t.Fatalf("%s: accepted value fails its check: %v", k, ps)
					}
				}
			}
		}
		get := httptest.NewRequest(http.MethodGet, "/v1/settings", nil)
		get.URL.RawQuery = url.Values{"keys": {keys}}.Encode()
		ks, err := DecodeKeys(schema, get)
		if err != nil {
			checkError(t, err)
			return
		}
		for _, k := range ks {
			if _, ok := schema.Decl(k); !ok {
				t.Fatalf("keys %q selected undeclared %q", keys, k)
			}
		}
	})
}

func checkError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || len(e.Problems) == 0 {
		t.Fatalf("error %#v", err)
	}
	for _, p := range e.Problems {
		if p.Reason == "" {
			t.Fatalf("problem without a reason: %+v", e.Problems)
		}
	}
}
