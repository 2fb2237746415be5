package pkgcache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgstore"
)

// PackageTagPrefix starts the tag of each package artifact: pkg-<inputs hex>.
const PackageTagPrefix = "pkg-"

func (x *Exchange) tag(hexKey string) name.Tag { return x.repo.Tag(PackageTagPrefix + hexKey) }

func (x *Exchange) remoteOptions(ctx context.Context) []remote.Option {
	opts := []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	opts = append(opts, x.cfg.remote...)
	return append(opts, remote.WithContext(ctx))
}

// putRegistry pushes the package artifact unless its tag is already there.
func (x *Exchange) putRegistry(ctx context.Context, e pkgstore.Entry, hexKey string) error {
	tag := x.tag(hexKey)
	opts := x.remoteOptions(ctx)
	if _, err := remote.Head(tag, opts...); err == nil {
		fmt.Fprintf(x.cfg.log, "%s (%s) already in %s\n", label(e.Manifest), short(e.Manifest.InputsDigest), x.ref)
		return nil
	} else if !isNotFound(err) {
		return fmt.Errorf("pkgcache: export %s: look up %s: %w", label(e.Manifest), tag, err)
	}
	img, err := newArtifact(ctx, e)
	if err != nil {
		if ce := (*CorruptError)(nil); errors.As(err, &ce) {
			return ce
		}
		return fmt.Errorf("pkgcache: export %s: %w", label(e.Manifest), err)
	}
	if err := remote.Write(tag, img, opts...); err != nil {
		return fmt.Errorf("pkgcache: push %s to %s: %w", label(e.Manifest), tag, err)
	}
	fmt.Fprintf(x.cfg.log, "exported %s (%s) to %s\n", label(e.Manifest), short(e.Manifest.InputsDigest), x.ref)
	return nil
}

func (x *Exchange) getRegistry(ctx context.Context, inputs, hexKey string, store *pkgstore.Store) (pkgstore.Entry, bool, error) {
	tag := x.tag(hexKey)
	source := tag.String()
	opts := x.remoteOptions(ctx)
	desc, err := remote.Get(tag, opts...)
	if isNotFound(err) {
		return pkgstore.Entry{}, false, nil
	}
	if err != nil {
		return pkgstore.Entry{}, false, fmt.Errorf("pkgcache: pull %s: %w", source, err)
	}
	configDesc, layerDesc, err := checkArtifact(desc.MediaType, desc.Manifest)
	if err != nil {
		return pkgstore.Entry{}, false, &CorruptError{source, "not a kitbash package: " + err.Error()}
	}
	config, err := readBlob(x.repo.Digest(configDesc.Digest.String()), opts, maxConfigSize)
	if err != nil {
		return pkgstore.Entry{}, false, fmt.Errorf("pkgcache: pull %s: config: %w", source, err)
	}
	var m pkg.Manifest
	if err := json.Unmarshal(config, &m); err != nil {
		return pkgstore.Entry{}, false, &CorruptError{source, "config: " + err.Error()}
	}
	if err := checkManifest(m, inputs, source); err != nil {
		return pkgstore.Entry{}, false, err
	}
	if layerDesc.Digest.String() != m.Files.Digest {
		return pkgstore.Entry{}, false, &CorruptError{source, fmt.Sprintf("layer %s is not the package tar %s its manifest names", layerDesc.Digest, m.Files.Digest)}
	}
	layer, err := remote.Layer(x.repo.Digest(layerDesc.Digest.String()), opts...)
	if err != nil {
		return pkgstore.Entry{}, false, fmt.Errorf("pkgcache: pull %s: %w", source, err)
	}
	rc, err := layer.Compressed()
	if err != nil {
		return pkgstore.Entry{}, false, fmt.Errorf("pkgcache: pull %s: %w", source, err)
	}
	defer rc.Close()
	e, err := x.importTar(ctx, m, rc, store, source)
	if err != nil {
		return pkgstore.Entry{}, false, err
	}
	return e, true, nil
}

// readBlob reads a small blob whole; the registry client checks its digest.
func readBlob(ref name.Digest, opts []remote.Option, limit int64) ([]byte, error) {
	l, err := remote.Layer(ref, opts...)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", ref, limit)
	}
	return b, nil
}

// isNotFound is a registry's answer for a tag (or repository) it does not have.
func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}
