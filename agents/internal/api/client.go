package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// UnixClient returns an HTTP client whose every request goes to the Unix socket at
// path, whatever the URL's host ("http://localhost/..." by convention).
func UnixClient(path string, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", path)
			},
			DisableCompression: true,
		},
	}
}

// InitRestarter restarts services through init's control API on a Unix socket:
// POST /v1/services/<name>/restart, any 2xx status meaning success.
type InitRestarter struct {
	Client *http.Client // from UnixClient on init's socket
}

// Restart asks init to restart service.
func (r InitRestarter) Restart(ctx context.Context, service string) error {
	path := "/v1/services/" + url.PathEscape(service) + "/restart"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost"+path, nil)
	if err != nil {
		return fmt.Errorf("init POST %s: %w", path, err)
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("init POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("init POST %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
