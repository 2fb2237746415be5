package sdk

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kitbash-dev/kitbash/builder/ocistore"

	"github.com/kitbash-dev/kitbash/builder/regref"
)

// Push uploads the SDK image with manifest digest from store to ref (a tag or
// repository; a digest in ref must equal digest) and returns the pushed
// REPO@sha256:... reference. Registries on loopback addresses are spoken to over
// plain HTTP.
func Push(ctx context.Context, store *ocistore.Store, digest v1.Hash, ref string, opts ...remote.Option) (name.Digest, error) {
	r, err := parseRef(ref)
	if err != nil {
		return name.Digest{}, fmt.Errorf("push SDK %s: %w", digest, err)
	}
	if d, ok := r.(name.Digest); ok && d.DigestStr() != digest.String() {
		return name.Digest{}, fmt.Errorf("push SDK %s: reference %s names another digest", digest, ref)
	}
	img, err := store.Image(digest)
	if err != nil {
		return name.Digest{}, fmt.Errorf("push SDK: %w", err)
	}
	if err := remote.Write(r, img, withContext(ctx, opts)...); err != nil {
		return name.Digest{}, fmt.Errorf("push SDK %s to %s: %w", digest, ref, err)
	}
	return r.Context().Digest(digest.String()), nil
}

// Pull fetches the SDK image ref, which must be pinned as REPO@sha256:..., checks
// its digest and puts it into store under ImageName(title label, digest).
func Pull(ctx context.Context, store *ocistore.Store, ref string, opts ...remote.Option) (Result, error) {
	if !strings.Contains(ref, "@") {
		return Result{}, fmt.Errorf("pull SDK %q: the reference must pin a digest (REPO@sha256:...); tags are not accepted because they can change", ref)
	}
	r, err := parseRef(ref)
	if err != nil {
		return Result{}, fmt.Errorf("pull SDK: %w", err)
	}
	want, ok := r.(name.Digest)
	if !ok {
		return Result{}, fmt.Errorf("pull SDK %q: not a REPO@sha256:... reference", ref)
	}
	desc, err := remote.Get(want, withContext(ctx, opts)...)
	if err != nil {
		return Result{}, fmt.Errorf("pull SDK %s: %w", ref, err)
	}
	if !desc.MediaType.IsImage() {
		return Result{}, fmt.Errorf("pull SDK %s: it is a %s, not a single image manifest", ref, desc.MediaType)
	}
	img, err := desc.Image()
	if err != nil {
		return Result{}, fmt.Errorf("pull SDK %s: %w", ref, err)
	}
	got, err := img.Digest()
	if err != nil {
		return Result{}, fmt.Errorf("pull SDK %s: %w", ref, err)
	}
	if got.String() != want.DigestStr() {
		return Result{}, fmt.Errorf("pull SDK %s: registry returned manifest %s", ref, got)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return Result{}, fmt.Errorf("pull SDK %s: read config: %w", ref, err)
	}
	title := cf.Config.Labels[LabelTitle]
	if cf.Config.Labels[LabelGoVersion] == "" {
		return Result{}, fmt.Errorf("pull SDK %s: not a Kitbash SDK image (no %s label)", ref, LabelGoVersion)
	}
	if err := validateName(title); err != nil {
		return Result{}, fmt.Errorf("pull SDK %s: label %s: %w", ref, LabelTitle, err)
	}
	if _, err := store.Put(ctx, ImageName(title, got), img); err != nil {
		return Result{}, fmt.Errorf("pull SDK %s: %w", ref, err)
	}
	size, err := imageSize(img)
	if err != nil {
		return Result{}, fmt.Errorf("pull SDK %s: %w", ref, err)
	}
	return Result{Name: title, Digest: got, Packages: splitPackages(cf.Config.Labels[LabelPackages]), Size: size, Inputs: cf.Config.Labels[LabelInputs]}, nil
}

func splitPackages(label string) []string {
	if label == "" {
		return nil
	}
	return strings.Split(label, ",")
}

func withContext(ctx context.Context, opts []remote.Option) []remote.Option {
	return append([]remote.Option{remote.WithContext(ctx)}, opts...)
}

// parseRef parses ref, marking registries on loopback addresses insecure (HTTP).
func parseRef(ref string) (name.Reference, error) { return regref.Parse(ref) }
