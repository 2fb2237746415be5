package kit

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
)

// Upload counts what a push sent: blob uploads and their bytes (manifests excluded).
type Upload struct {
	Blobs int   `json:"blobs"`
	Bytes int64 `json:"bytes"`
}

// RemoteOptions are the registry options every kit operation uses: the Docker config and
// credential helpers for auth, and ctx.
func RemoteOptions(ctx context.Context, extra ...remote.Option) []remote.Option {
	return append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}, extra...)
}

// Push writes the kit idx to repo (REPO or REPO:TAG) and returns REPO@digest and what was
// uploaded: blobs the registry already has are not sent again.
func Push(ctx context.Context, store *ocistore.Store, digest string, ref name.Reference, opts ...remote.Option) (name.Digest, Upload, error) {
	h, err := parseHash(digest)
	if err != nil {
		return name.Digest{}, Upload{}, err
	}
	idx, err := store.Index(h)
	if err != nil {
		return name.Digest{}, Upload{}, fmt.Errorf("push kit %s: %w", digest, err)
	}
	if _, err := Open(idx, "x86_64"); err != nil {
		return name.Digest{}, Upload{}, fmt.Errorf("push kit: %w", err)
	}
	ct := &countingTransport{base: remote.DefaultTransport}
	if err := remote.WriteIndex(ref, idx, append(RemoteOptions(ctx, opts...), remote.WithTransport(ct))...); err != nil {
		return name.Digest{}, Upload{}, fmt.Errorf("push kit %s to %s: %w", digest, ref, err)
	}
	return ref.Context().Digest(digest), ct.upload(), nil
}

// Pull fetches the kit at d into the local store after checking its structure; the
// store checks every blob against its digest as it writes it, so a tampered layer is
// refused and nothing of it is kept. The caller verifies the signature first.
func Pull(ctx context.Context, store *ocistore.Store, d name.Digest, arch string, opts ...remote.Option) (*Opened, error) {
	idx, err := remote.Index(d, RemoteOptions(ctx, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("pull kit %s: %w", d, err)
	}
	k, err := Open(idx, arch)
	if err != nil {
		return nil, fmt.Errorf("pull kit %s: %w", d, err)
	}
	ref := StoreRef(k.Config.Name, d.DigestStr())
	if _, err := store.PutIndex(ctx, ref, idx); err != nil {
		return nil, fmt.Errorf("pull kit %s: %w", d, err)
	}
	local, err := store.Index(k.Digest)
	if err != nil {
		return nil, err
	}
	return Open(local, arch)
}

// StoreRef is the name a kit gets in the local OCI store: kits/<name>:<version> for
// kits built here, kits/<name>@<digest> for pulled ones.
func StoreRef(name, versionOrDigest string) string {
	if strings.HasPrefix(versionOrDigest, "sha256:") {
		return "kits/" + name + "@" + versionOrDigest
	}
	return "kits/" + name + ":" + versionOrDigest
}

// countingTransport counts blob upload requests and their body bytes.
type countingTransport struct {
	base  http.RoundTripper
	mu    sync.Mutex
	blobs int
	bytes int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	upload := r.Method == http.MethodPut || r.Method == http.MethodPatch
	if upload && strings.Contains(r.URL.Path, "/blobs/uploads/") && r.Body != nil && r.Body != http.NoBody {
		c.mu.Lock()
		c.blobs++
		c.mu.Unlock()
		r.Body = &countingBody{ReadCloser: r.Body, c: c}
	}
	return c.base.RoundTrip(r)
}

// countingBody adds what is read from a request body to its transport's byte count.
type countingBody struct {
	io.ReadCloser
	c *countingTransport
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.mu.Lock()
	b.c.bytes += int64(n)
	b.c.mu.Unlock()
	return n, err
}

func (c *countingTransport) upload() Upload {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Upload{Blobs: c.blobs, Bytes: c.bytes}
}
