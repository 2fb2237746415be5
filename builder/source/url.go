package source

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
)

// validateURL checks a url request and returns the file name it gets.
func validateURL(r Request) (string, error) {
	u, err := url.Parse(r.URL)
	if err != nil || r.URL == "" {
		return "", fmt.Errorf("source: url %q is not a valid URL; fix: use an http(s) URL", r.URL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("source: url %s: scheme %q is not supported; fix: use an http or https URL", r.URL, u.Scheme)
	}
	if !isHex(r.SHA256, 64) {
		return "", fmt.Errorf("source: url %s: sha256 %q is not 64 lowercase hex digits; fix: set sha256 in the spec", r.URL, r.SHA256)
	}
	if r.SHA512 != "" && !isHex(r.SHA512, 128) {
		return "", fmt.Errorf("source: url %s: sha512 %q is not 128 lowercase hex digits", r.URL, r.SHA512)
	}
	name := r.Name
	if name == "" {
		name = path.Base(u.Path)
	}
	if name == "" || name == "." || name == "/" || name == ".." || strings.ContainsAny(name, "/\\") {
		return "", fmt.Errorf("source: url %s: file name %q is not a plain file name; fix: set name in the spec", r.URL, name)
	}
	return name, nil
}

// fetchURL downloads r from the lookaside (if any), then upstream.
func (f *Fetcher) fetchURL(ctx context.Context, r Request) (Fetched, error) {
	name, err := validateURL(r)
	if err != nil {
		return Fetched{}, err
	}
	if f.cfg.lookaside != "" {
		la := f.cfg.lookaside + "/" + r.SHA256 + "/" + url.PathEscape(name)
		got, err := f.download(ctx, la, r, name)
		if err == nil {
			fmt.Fprintf(f.cfg.log, "source: %s from lookaside %s\n", name, la)
			return got, nil
		}
		if ctx.Err() != nil {
			return Fetched{}, err
		}
		fmt.Fprintf(f.cfg.log, "source: lookaside miss, trying upstream: %v\n", err)
	}
	return f.download(ctx, r.URL, r, name)
}

// HashMismatchError is returned when a download does not have the expected hash.
// Nothing is stored.
type HashMismatchError struct {
	Source, Algo, Expected, Actual string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("source: %s: %s mismatch: expected %s, got %s; fix: if the new file is trusted, update %s in the spec",
		e.Source, e.Algo, e.Expected, e.Actual, e.Algo)
}

// download GETs src, verifying the hashes of r while streaming to a temp file, and
// stores it in the cache under r.SHA256.
func (f *Fetcher) download(ctx context.Context, src string, r Request, name string) (Fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return Fetched{}, fmt.Errorf("source: GET %s: %w", src, err)
	}
	resp, err := f.cfg.client.Do(req)
	if err != nil {
		return Fetched{}, fmt.Errorf("source: GET %s: %w", src, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Fetched{}, fmt.Errorf("source: GET %s: %s; fix: check the URL in the spec", src, resp.Status)
	}
	tmp, err := f.cas.tempFile("url-*")
	if err != nil {
		return Fetched{}, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h256 := sha256.New()
	h512 := sha512.New()
	n, err := io.Copy(io.MultiWriter(tmp, h256, h512), resp.Body)
	if err != nil {
		return Fetched{}, fmt.Errorf("source: GET %s: read body: %w", src, err)
	}
	if got := hexOf(h256); got != r.SHA256 {
		return Fetched{}, &HashMismatchError{Source: src, Algo: "sha256", Expected: r.SHA256, Actual: got}
	}
	if got := hexOf(h512); r.SHA512 != "" && got != r.SHA512 {
		return Fetched{}, &HashMismatchError{Source: src, Algo: "sha512", Expected: r.SHA512, Actual: got}
	}
	committed = true
	p, err := f.cas.commit(tmp, r.SHA256)
	if err != nil {
		return Fetched{}, err
	}
	return Fetched{Kind: KindURL, Name: name, Digest: "sha256:" + r.SHA256, Path: p, Size: n}, nil
}

// IsHashMismatch reports whether err is (or wraps) a HashMismatchError.
func IsHashMismatch(err error) bool {
	var m *HashMismatchError
	return errors.As(err, &m)
}
