package sign

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Sign signs the manifest or index at d (repo@sha256:...) with s and pushes the
// signature in cosign's format: a layer appended to the image tagged sha256-<hex>.sig in
// d's repository, other signatures kept. If a signature by the same key for d (with the
// annotations of WithAnnotations) already verifies, Sign pushes nothing and returns
// false.
//
// Two signers appending to the same .sig tag at the same moment can lose one of the
// signatures (the registry offers no compare-and-swap); sign from one place at a time.
func Sign(ctx context.Context, d name.Digest, s *Signer, opts ...Option) (signed bool, err error) {
	if s == nil || s.key == nil {
		return false, fmt.Errorf("sign %s: no signing key; fix: load one with LoadPrivateKey", d)
	}
	cfg, err := newConfig(ctx, opts)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", d, err)
	}
	tag, err := signatureTag(d)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", d, err)
	}
	if _, err := remote.Head(d, cfg.remote...); err != nil {
		if isNotFound(err) {
			return false, fmt.Errorf("sign %s: not found in the registry; fix: push it before signing it", d)
		}
		return false, fmt.Errorf("sign %s: %w", d, err)
	}

	base, err := fetchSignatureImage(tag, cfg)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", d, err)
	}
	if base != nil {
		sigs, _, _, err := checkSignatures(base, d, []*Verifier{s.verifier}, cfg.annotations)
		if err != nil {
			return false, fmt.Errorf("sign %s: read signatures at %s: %w", d, tag, err)
		}
		if len(sigs) > 0 {
			cfg.logf("%s: already signed by key %s; nothing pushed", d, s.verifier.ID())
			return false, nil
		}
	} else {
		base = emptySignatureImage()
	}

	payload, err := marshalPayload(d, cfg.annotations)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", d, err)
	}
	sig, err := s.sign(payload)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", d, err)
	}
	img, err := appendSignature(base, payload, sig)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", d, err)
	}
	if err := remote.Write(tag, img, cfg.remote...); err != nil {
		return false, fmt.Errorf("sign %s: push signature to %s: %w", d, tag, err)
	}
	cfg.logf("%s: signed by key %s, pushed to %s", d, s.verifier.ID(), tag)
	return true, nil
}

// sign returns the ASN.1 ECDSA signature of sha256(payload).
func (s *Signer) sign(payload []byte) ([]byte, error) {
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, sum[:])
	if err != nil {
		return nil, fmt.Errorf("sign payload: %w", err)
	}
	return sig, nil
}

// signatureTag is where cosign keeps the signatures of d: <repo>:<alg>-<hex>.sig.
func signatureTag(d name.Digest) (name.Tag, error) {
	h, err := v1.NewHash(d.DigestStr())
	if err != nil {
		return name.Tag{}, fmt.Errorf("digest: %w", err)
	}
	return d.Context().Tag(h.Algorithm + "-" + h.Hex + ".sig"), nil
}

// emptySignatureImage is the base of a new .sig image, as cosign makes it: an OCI image
// manifest with an OCI image config and no layers.
func emptySignatureImage() v1.Image {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// appendSignature adds one signature layer (payload, annotation with the base64
// signature) to the signature image base.
func appendSignature(base v1.Image, payload, sig []byte) (v1.Image, error) {
	layer := static.NewLayer(payload, types.MediaType(SimpleSigningMediaType))
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       layer,
		Annotations: map[string]string{SignatureAnnotation: base64.StdEncoding.EncodeToString(sig)},
	})
	if err != nil {
		return nil, fmt.Errorf("append signature layer: %w", err)
	}
	return img, nil
}

// fetchSignatureImage returns the image at tag, or nil when there is none.
func fetchSignatureImage(tag name.Tag, cfg *config) (v1.Image, error) {
	img, err := remote.Image(tag, cfg.remote...)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("fetch signatures %s: %w", tag, err)
	}
	return img, nil
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}
