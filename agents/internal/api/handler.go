package api

import (
	"errors"
	"net/http"
	"sort"
	"strings"
)

// NewHandler returns the HTTP handler of the API, serving store, and the update
// endpoints through updates unless it is nil.
func NewHandler(store *Store, updates *Updates) http.Handler {
	h := &handler{store: store, updates: updates}
	mux := http.NewServeMux()
	mux.Handle("/v1/settings", methods{"GET": h.getSettings, "PATCH": h.patchSettings})
	mux.Handle("/v1/tx", methods{"GET": h.getTx, "DELETE": h.discard})
	mux.Handle("/v1/tx/commit", methods{"POST": h.commit})
	mux.Handle("/v1/tx/apply", methods{"POST": h.apply})
	if updates != nil {
		mux.Handle("/v1/updates/check", methods{"POST": h.checkUpdate})
		mux.Handle("/v1/updates/apply", methods{"POST": h.applyUpdate})
		mux.Handle("/v1/updates/cancel", methods{"POST": h.cancelUpdate})
		mux.Handle("/v1/updates/status", methods{"GET": h.updateStatus})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newError(http.StatusNotFound, "no such endpoint %s", r.URL.Path))
	})
	return mux
}

type handler struct {
	store   *Store
	updates *Updates // nil: no update endpoints
}

// methods dispatches on the request method and answers others with a JSON 405.
type methods map[string]http.HandlerFunc

// ServeHTTP calls the handler of the request's method.
func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f, ok := m[r.Method]; ok {
		f(w, r)
		return
	}
	allow := make([]string, 0, len(m))
	for k := range m {
		allow = append(allow, k)
	}
	sort.Strings(allow)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, newError(http.StatusMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
}

// noQuery rejects a query on endpoints that take none.
func noQuery(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.RawQuery != "" {
		writeError(w, newError(http.StatusBadRequest, "%s %s takes no query parameters", r.Method, r.URL.Path))
		return false
	}
	return true
}

func (h *handler) getSettings(w http.ResponseWriter, r *http.Request) {
	keys, err := DecodeKeys(h.store.o.Schema, r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.store.Settings(keys))
}

func (h *handler) patchSettings(w http.ResponseWriter, r *http.Request) {
	v, err := DecodePatch(h.store.o.Schema, r, MaxBody)
	if err != nil {
		writeError(w, err)
		return
	}
	tx, err := h.store.Patch(v)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tx)
}

func (h *handler) getTx(w http.ResponseWriter, r *http.Request) {
	if noQuery(w, r) {
		writeJSON(w, http.StatusOK, h.store.Pending())
	}
}

func (h *handler) discard(w http.ResponseWriter, r *http.Request) {
	if !noQuery(w, r) {
		return
	}
	if err := h.store.Discard(); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// CommitResult is the response of POST /v1/tx/commit.
type CommitResult struct {
	Changed []string `json:"changed"` // keys whose effective values changed
}

func (h *handler) commit(w http.ResponseWriter, r *http.Request) {
	if !noQuery(w, r) {
		return
	}
	changed, err := h.store.Commit()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, CommitResult{Changed: changed})
}

func (h *handler) apply(w http.ResponseWriter, r *http.Request) {
	if !noQuery(w, r) {
		return
	}
	res, err := h.store.Apply(r.Context(), true)
	var e *Error
	switch {
	case errors.As(err, &e):
		writeJSON(w, e.Status, res)
	case err != nil:
		writeError(w, err)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}
