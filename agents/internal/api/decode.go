package api

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/kitbash-dev/kitbash/agents/internal/settings"
)

// DecodePatch reads and checks the body of PATCH /v1/settings: a JSON object, a partial
// settings tree, at most limit bytes, with a JSON content type if one is given and no
// query. Every problem is returned with its setting's path.
func DecodePatch(schema *settings.Schema, r *http.Request, limit int64) (settings.Values, error) {
	if len(r.URL.Query()) > 0 {
		return nil, newError(http.StatusBadRequest, "PATCH takes no query parameters")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, newError(http.StatusUnsupportedMediaType, "content type %q: send application/json", ct)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, newError(http.StatusBadRequest, "reading the request body: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, newError(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", limit)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, newError(http.StatusBadRequest, "empty body: send a JSON object of settings")
	}
	v, ps := schema.Decode(body, true)
	if len(ps) > 0 {
		return nil, &Error{Status: http.StatusBadRequest, Problems: ps}
	}
	return v, nil
}

// DecodeKeys reads the query of GET /v1/settings: an optional keys parameter, a
// comma-separated list of settings or prefixes. It returns the declared keys selected,
// or nil for all of them.
func DecodeKeys(schema *settings.Schema, r *http.Request) ([]string, error) {
	q := r.URL.Query()
	for name := range q {
		if name != "keys" {
			return nil, newError(http.StatusBadRequest, "unknown query parameter %q (only keys)", name)
		}
	}
	vals, ok := q["keys"]
	if !ok {
		return nil, nil
	}
	var keys []string
	var ps settings.Problems
	for _, v := range vals {
		for _, sel := range strings.Split(v, ",") {
			sel = strings.TrimSpace(sel)
			if sel == "" {
				continue
			}
			ks, err := schema.Resolve(sel)
			if err != nil {
				ps = append(ps, settings.Problem{Path: sel, Reason: "unknown setting"})
				continue
			}
			keys = append(keys, ks...)
		}
	}
	if len(ps) > 0 {
		return nil, &Error{Status: http.StatusBadRequest, Problems: ps}
	}
	if keys == nil {
		keys = []string{}
	}
	return keys, nil
}
