package api

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
)

// ApplyUpdateRequest is the optional body of POST /v1/updates/apply.
type ApplyUpdateRequest struct {
	// Reboot asks the updater to reboot into the update once it is applied.
	Reboot bool `json:"reboot"`
}

func (h *handler) checkUpdate(w http.ResponseWriter, r *http.Request) {
	if !noQuery(w, r) {
		return
	}
	choice, err := h.updates.Check(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, choice)
}

func (h *handler) applyUpdate(w http.ResponseWriter, r *http.Request) {
	if !noQuery(w, r) {
		return
	}
	req, err := decodeApplyUpdate(r, MaxBody)
	if err != nil {
		writeError(w, err)
		return
	}
	st, err := h.updates.Apply(req.Reboot)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, st)
}

// cancelUpdate answers 200 once the apply stopped, 202 if it is still stopping.
func (h *handler) cancelUpdate(w http.ResponseWriter, r *http.Request) {
	if !noQuery(w, r) {
		return
	}
	st, stopped, err := h.updates.Cancel(r.Context())
	switch {
	case err != nil:
		writeError(w, err)
	case stopped:
		writeJSON(w, http.StatusOK, st)
	default:
		writeJSON(w, http.StatusAccepted, st)
	}
}

func (h *handler) updateStatus(w http.ResponseWriter, r *http.Request) {
	if noQuery(w, r) {
		writeJSON(w, http.StatusOK, h.updates.Status())
	}
}

// decodeApplyUpdate reads the body of POST /v1/updates/apply: empty, or an
// ApplyUpdateRequest of at most limit bytes, with a JSON content type if one is given.
func decodeApplyUpdate(r *http.Request, limit int64) (ApplyUpdateRequest, error) {
	var req ApplyUpdateRequest
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return req, newError(http.StatusUnsupportedMediaType, "content type %q: send application/json", ct)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return req, newError(http.StatusBadRequest, "reading the request body: %v", err)
	}
	if int64(len(body)) > limit {
		return req, newError(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", limit)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, newError(http.StatusBadRequest, `invalid body: %v (send {"reboot": true|false} or nothing)`, err)
	}
	if dec.More() {
		return req, newError(http.StatusBadRequest, `invalid body: more than one JSON value (send {"reboot": true|false} or nothing)`)
	}
	return req, nil
}
