package pkgcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
)

// Exchange moves package-store entries to and from one cache.
type Exchange struct {
	ref  Ref
	repo name.Repository // Registry only
	cfg  config
}

// New returns an Exchange for ref, which must come from Parse (or be built alike).
func New(ref Ref, opts ...Option) (*Exchange, error) {
	x := &Exchange{ref: ref, cfg: config{log: io.Discard}}
	for _, o := range opts {
		if err := o(&x.cfg); err != nil {
			return nil, err
		}
	}
	switch ref.Kind {
	case Local:
		if !filepath.IsAbs(ref.Dir) {
			return nil, fmt.Errorf("pkgcache: local cache directory %q is not absolute; fix: build the Ref with Parse", ref.Dir)
		}
	case Registry:
		repo, err := newRepository(ref.Repo)
		if err != nil {
			return nil, fmt.Errorf("pkgcache: registry cache %q: %w; fix: build the Ref with Parse", ref.Repo, err)
		}
		x.repo = repo
	default:
		return nil, fmt.Errorf("pkgcache: cache reference of kind %v; fix: build the Ref with Parse", ref.Kind)
	}
	return x, nil
}

// Ref is the cache this Exchange talks to.
func (x *Exchange) Ref() Ref { return x.ref }

// Put exports one built package, keyed by e.Manifest.InputsDigest. A package the cache
// already holds is left alone and nothing is uploaded or written. The tar is checked
// against e.Manifest.Files.Digest on the way, so a damaged local entry is not spread.
func (x *Exchange) Put(ctx context.Context, e pkgstore.Entry) error {
	hexKey, err := keyHex(e.Manifest.InputsDigest)
	if err != nil {
		return fmt.Errorf("pkgcache: export %s: %w", label(e.Manifest), err)
	}
	if x.ref.Kind == Local {
		return x.putLocal(ctx, e, hexKey)
	}
	return x.putRegistry(ctx, e, hexKey)
}

// Get imports the package built from inputs into store if the cache has it. A package
// the store already holds is returned without asking the cache; a package the cache
// lacks gives ok=false and no error. The cached manifest must carry inputs, and the
// tar's sha256 must equal its Files.Digest; otherwise Get returns a *CorruptError and
// the store is left unchanged.
func (x *Exchange) Get(ctx context.Context, inputs string, store *pkgstore.Store) (pkgstore.Entry, bool, error) {
	hexKey, err := keyHex(inputs)
	if err != nil {
		return pkgstore.Entry{}, false, fmt.Errorf("pkgcache: import: %w", err)
	}
	if e, ok, err := store.Get(inputs); err != nil || ok {
		return e, ok, err
	}
	if x.ref.Kind == Local {
		return x.getLocal(ctx, inputs, hexKey, store)
	}
	return x.getRegistry(ctx, inputs, hexKey, store)
}

// CorruptError is a cached package that does not match its key or its manifest.
type CorruptError struct {
	Source string // where the package was read: a path or a registry reference
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("pkgcache: %s: %s; fix: delete it (the package is then rebuilt, and exported again by --cache-to)", e.Source, e.Reason)
}

// checkManifest vets a cached manifest before its tar is read.
func checkManifest(m pkg.Manifest, inputs, source string) error {
	switch {
	case m.SchemaVersion != pkg.ManifestSchema:
		return &CorruptError{source, fmt.Sprintf("manifest schema version %d, this kitbash reads %d", m.SchemaVersion, pkg.ManifestSchema)}
	case m.InputsDigest != inputs:
		return &CorruptError{source, fmt.Sprintf("manifest is for inputs %s, not %s", m.InputsDigest, inputs)}
	}
	if _, err := keyHex(m.Files.Digest); err != nil {
		return &CorruptError{source, "manifest files digest: " + err.Error()}
	}
	return nil
}

// importTar hands the tar in r to the store once its digest is known to be
// m.Files.Digest: staged under the temp dir, or checked as the store's atomic Put
// reads it.
func (x *Exchange) importTar(ctx context.Context, m pkg.Manifest, r io.Reader, store *pkgstore.Store, source string) (pkgstore.Entry, error) {
	var src io.Reader = newDigestReader(ctx, r, m.Files.Digest, source)
	if x.cfg.tempDir != "" {
		f, err := os.CreateTemp(x.cfg.tempDir, "pkgcache-*.tar")
		if err != nil {
			return pkgstore.Entry{}, fmt.Errorf("pkgcache: import %s: %w", source, err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := io.Copy(f, src); err != nil {
			return pkgstore.Entry{}, importErr(source, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return pkgstore.Entry{}, fmt.Errorf("pkgcache: import %s: %w", source, err)
		}
		src = f
	}
	e, err := store.Put(m, src)
	if err != nil {
		return pkgstore.Entry{}, importErr(source, err)
	}
	fmt.Fprintf(x.cfg.log, "imported %s (%s) from %s\n", label(m), short(m.InputsDigest), x.ref)
	return e, nil
}

func importErr(source string, err error) error {
	if ce := (*CorruptError)(nil); errors.As(err, &ce) {
		return ce
	}
	return fmt.Errorf("pkgcache: import %s: %w", source, err)
}

// digestReader passes r through and, at its end, fails with a *CorruptError unless
// what was read has the sha256 digest want. It also stops when ctx is done.
type digestReader struct {
	ctx    context.Context
	r      io.Reader
	h      hash.Hash
	n      int64
	want   string
	source string
}

func newDigestReader(ctx context.Context, r io.Reader, want, source string) *digestReader {
	return &digestReader{ctx: ctx, r: r, h: sha256.New(), want: want, source: source}
}

func (d *digestReader) Read(p []byte) (int, error) {
	if err := d.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := d.r.Read(p)
	d.h.Write(p[:n])
	d.n += int64(n)
	if err == io.EOF {
		if got := d.digest(); got != d.want {
			return n, &CorruptError{d.source, fmt.Sprintf("package tar has digest %s, its manifest says %s", got, d.want)}
		}
	}
	return n, err
}

func (d *digestReader) digest() string { return "sha256:" + hex.EncodeToString(d.h.Sum(nil)) }

// keyHex returns the hex part of a "sha256:<64 lowercase hex>" digest.
func keyHex(digest string) (string, error) {
	h, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%q is not a sha256 digest", digest)
	}
	return h, nil
}

func label(m pkg.Manifest) string {
	return fmt.Sprintf("%s-%s-%d.%s", m.Name, m.Version, m.Release, m.Arch)
}

func short(digest string) string {
	if len(digest) > len("sha256:")+12 {
		return digest[:len("sha256:")+12]
	}
	return digest
}
