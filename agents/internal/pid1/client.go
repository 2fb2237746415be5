package pid1

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// Client talks to init's control API on its unix socket.
type Client struct {
	hc *http.Client
}

// NewClient returns a client for the socket at path.
func NewClient(path string) *Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return &Client{hc: &http.Client{Transport: tr}}
}

// Services returns the services' status.
func (c *Client) Services(ctx context.Context) (ServicesReply, error) {
	var r ServicesReply
	body, err := c.do(ctx, http.MethodGet, "/v1/services", http.StatusOK)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("GET /v1/services: %w", err)
	}
	return r, nil
}

// Restart asks init to restart the named service.
func (c *Client) Restart(ctx context.Context, name string) error {
	_, err := c.do(ctx, http.MethodPost, "/v1/services/"+name+"/restart", http.StatusAccepted)
	return err
}

// Log returns init's log ring.
func (c *Client) Log(ctx context.Context) (string, error) {
	body, err := c.do(ctx, http.MethodGet, "/v1/log", http.StatusOK)
	return string(body), err
}

// Shutdown asks init to power off or reboot.
func (c *Client) Shutdown(ctx context.Context, a Action) error {
	_, err := c.do(ctx, http.MethodPost, "/v1/"+string(a), http.StatusAccepted)
	return err
}

func (c *Client) do(ctx context.Context, method, path string, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://init"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		var e ErrorReply
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s %s: %s", method, path, e.Error)
		}
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}
