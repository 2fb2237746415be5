package tufclient

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"slices"
	"strings"
)

// ErrUnknownTarget is wrapped by the errors for names the trusted targets do not list.
var ErrUnknownTarget = errors.New("not listed in the trusted targets metadata")

// TargetInfo is what the trusted targets metadata says about a target.
type TargetInfo struct {
	Name   string
	Length int64
	// SHA256 and SHA512 are the listed digests; nil when not listed (at least one is).
	SHA256 []byte
	SHA512 []byte
	// Custom is the target's "custom" object, nil when absent.
	Custom json.RawMessage
}

// Targets lists the names of the targets, sorted.
func (c *Client) Targets() ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.refreshed {
		return nil, fmt.Errorf("tuf: targets: not refreshed; call Refresh first")
	}
	names := make([]string, 0, len(c.targets.signed.Targets))
	for n := range c.targets.signed.Targets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// Target returns what the trusted targets metadata lists for name.
func (c *Client) Target(name string) (TargetInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ti, _, err := c.target(name)
	return ti, err
}

// target looks name up; consistent reports whether it is stored by hash.
func (c *Client) target(name string) (TargetInfo, bool, error) {
	if !c.refreshed {
		return TargetInfo{}, false, fmt.Errorf("tuf: target %s: not refreshed; call Refresh first", name)
	}
	tf, ok := c.targets.signed.Targets[name]
	if !ok {
		return TargetInfo{}, false, fmt.Errorf("tuf: target %s: %w (version %d)", name, ErrUnknownTarget, c.targets.version)
	}
	ti := TargetInfo{Name: name, Length: tf.Length, Custom: tf.Custom}
	for alg, h := range tf.Hashes {
		var dst *[]byte
		switch alg {
		case "sha256":
			dst = &ti.SHA256
		case "sha512":
			dst = &ti.SHA512
		default:
			continue
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return TargetInfo{}, false, fmt.Errorf("tuf: target %s: %s %q is not hex", name, alg, h)
		}
		*dst = b
	}
	if ti.SHA256 == nil && ti.SHA512 == nil {
		return TargetInfo{}, false, fmt.Errorf("tuf: target %s: no sha256 or sha512 hash listed", name)
	}
	return ti, c.root.signed.ConsistentSnapshot, nil
}

// targetPath is a target's path below the targets URL: <hash>.<name> with consistent
// snapshots (the hash prefixes the last path element), else the name; each element is
// escaped.
func targetPath(ti TargetInfo, consistent bool) string {
	parts := strings.Split(ti.Name, "/")
	if consistent {
		sum := ti.SHA256
		if sum == nil {
			sum = ti.SHA512
		}
		parts[len(parts)-1] = hex.EncodeToString(sum) + "." + parts[len(parts)-1]
	}
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// Download streams target name into w, counting and hashing it: more bytes than the
// listed length stop it with an error, as do fewer and a digest that does not match.
// Bytes reach w before the digest is known: write to a temporary place and use it only
// when Download returns nil.
func (c *Client) Download(ctx context.Context, name string, w io.Writer) error {
	c.mu.Lock()
	ti, consistent, err := c.target(name)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	longer := fmt.Errorf("tuf: target %s: longer than its %d bytes", name, ti.Length)
	rc, err := c.cfg.fetcher.Fetch(ctx, c.targetsURL+"/"+targetPath(ti, consistent), ti.Length)
	if errors.Is(err, ErrTooLarge) {
		return longer
	}
	if err != nil {
		return fmt.Errorf("tuf: target %s: %w", name, err)
	}
	defer rc.Close()

	hashes := map[string]hash.Hash{}
	ws := []io.Writer{w}
	for alg, sum := range map[string][]byte{"sha256": ti.SHA256, "sha512": ti.SHA512} {
		if sum != nil {
			h, _ := newHash(alg)
			hashes[alg] = h
			ws = append(ws, h)
		}
	}
	n, err := io.Copy(io.MultiWriter(ws...), io.LimitReader(rc, ti.Length))
	if errors.Is(err, ErrTooLarge) {
		return longer
	}
	if err != nil {
		return fmt.Errorf("tuf: target %s: %w", name, err)
	}
	if n < ti.Length {
		return fmt.Errorf("tuf: target %s: shorter than its %d bytes (got %d)", name, ti.Length, n)
	}
	var extra [1]byte
	m, err := io.ReadFull(rc, extra[:])
	if m > 0 || errors.Is(err, ErrTooLarge) {
		return longer
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("tuf: target %s: %w", name, err)
	}
	for _, alg := range []string{"sha256", "sha512"} {
		h, ok := hashes[alg]
		if !ok {
			continue
		}
		want := ti.SHA256
		if alg == "sha512" {
			want = ti.SHA512
		}
		if got := h.Sum(nil); !slices.Equal(got, want) {
			return fmt.Errorf("tuf: target %s: %s mismatch (got %x, want %x)", name, alg, got, want)
		}
	}
	return nil
}
