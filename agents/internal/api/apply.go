package api

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/kitbash-dev/kitbash/agents/internal/render"
	"github.com/kitbash-dev/kitbash/agents/internal/settings"
)

// ApplyResult is the response of POST /v1/tx/apply.
type ApplyResult struct {
	Rendered  []string           `json:"rendered"`         // files written (their dest)
	Restarted []string           `json:"restarted"`        // services restarted
	Errors    []settings.Problem `json:"errors,omitempty"` // restarts that failed
}

// Apply renders every declared template from the committed settings and, when restart
// is true, restarts the services of the files that changed, plus any whose restart
// failed before. Each template sees only the settings it uses (unset ones as nil), so
// a file, and its services, change only when one of those does. With restart false
// (at boot, before the services start) the pending restarts are forgotten.
func (s *Store) Apply(ctx context.Context, restart bool) (ApplyResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := ApplyResult{Rendered: []string{}, Restarted: []string{}}
	eff := s.effective()
	var files []render.File
	for i, t := range s.o.Schema.Templates() {
		data := settings.Values{}
		for _, k := range t.Keys {
			data[k] = eff[k] // nil when unset
		}
		files = append(files, render.File{Template: s.templates[i], Data: settings.ToTree(data),
			Dest: t.Dest, Mode: t.Mode, Restart: t.Restart})
	}
	r := render.Renderer{Root: s.o.TemplatesRoot, FS: s.o.FS}
	out, err := r.Render(files)
	res.Rendered = append(res.Rendered, out.Written...)
	for _, svc := range out.Restart {
		s.restart[svc] = true
	}
	if err != nil {
		return res, fmt.Errorf("apply: %w", err)
	}
	if !restart || s.o.Restarter == nil {
		s.restart = map[string]bool{}
		return res, nil
	}
	svcs := make([]string, 0, len(s.restart))
	for svc := range s.restart {
		svcs = append(svcs, svc)
	}
	sort.Strings(svcs)
	for _, svc := range svcs {
		if err := s.o.Restarter.Restart(ctx, svc); err != nil {
			res.Errors = append(res.Errors, settings.Problem{Reason: fmt.Sprintf("restart %s: %v", svc, err)})
			continue
		}
		delete(s.restart, svc)
		res.Restarted = append(res.Restarted, svc)
	}
	if len(res.Errors) > 0 {
		return res, &Error{Status: http.StatusBadGateway, Problems: res.Errors}
	}
	return res, nil
}
