package tufclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Fetcher gets the content at a URL. The reader it returns must fail with an error
// wrapping ErrTooLarge rather than yield more than maxLength bytes; errors for a file
// the repository does not have must wrap ErrNotFound. The client checks lengths itself
// too, so a Fetcher that does not limit cannot make it accept more.
type Fetcher interface {
	Fetch(ctx context.Context, url string, maxLength int64) (io.ReadCloser, error)
}

// ErrNotFound is wrapped by Fetcher errors for files the repository does not have; the
// root walk stops at the first missing N.root.json.
var ErrNotFound = errors.New("not found")

// ErrTooLarge is wrapped by Fetcher errors for content longer than the limit asked.
var ErrTooLarge = errors.New("longer than allowed")

// HTTPFetcher fetches over HTTP(S) with net/http.
type HTTPFetcher struct {
	// Client does the requests; nil means http.DefaultClient. Set its Timeout, or pass
	// contexts with deadlines.
	Client *http.Client
	// UserAgent, when set, is sent as User-Agent.
	UserAgent string
}

// Fetch GETs url. 404 and 403 wrap ErrNotFound (S3 answers 403 for missing keys); a
// Content-Length over maxLength, or a body that runs past it, wraps ErrTooLarge.
func (f *HTTPFetcher) Fetch(ctx context.Context, url string, maxLength int64) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	c := f.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden:
		resp.Body.Close()
		return nil, fmt.Errorf("fetch %s: %s: %w", url, resp.Status, ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		resp.Body.Close()
		return nil, fmt.Errorf("fetch %s: %s", url, resp.Status)
	case resp.ContentLength > maxLength:
		resp.Body.Close()
		return nil, fmt.Errorf("fetch %s: %d bytes, more than %d: %w", url, resp.ContentLength, maxLength, ErrTooLarge)
	}
	return &limitedBody{rc: resp.Body, url: url, left: maxLength}, nil
}

// limitedBody fails with ErrTooLarge once more than its limit arrives.
type limitedBody struct {
	rc   io.ReadCloser
	url  string
	left int64 // bytes still allowed; -1 once the limit was passed
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.tooLarge()
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1] // one byte more than allowed shows the excess
	}
	n, err := l.rc.Read(p)
	if int64(n) > l.left {
		n, l.left = int(l.left), -1
		return n, l.tooLarge()
	}
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) tooLarge() error {
	return fmt.Errorf("fetch %s: more bytes than allowed: %w", l.url, ErrTooLarge)
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// readAll reads at most maxLength bytes from f at url; longer content is an error
// wrapping ErrTooLarge whatever the Fetcher does.
func readAll(ctx context.Context, f Fetcher, url string, maxLength int64) ([]byte, error) {
	rc, err := f.Fetch(ctx, url, maxLength)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLength+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxLength {
		return nil, fmt.Errorf("fetch %s: more than %d bytes: %w", url, maxLength, ErrTooLarge)
	}
	return b, nil
}
