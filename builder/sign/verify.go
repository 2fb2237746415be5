package sign

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

var (
	// ErrUnsigned: the reference has no signatures at all.
	ErrUnsigned = errors.New("unsigned")
	// ErrUntrusted: the reference has signatures, but none by a trusted key for its digest.
	ErrUntrusted = errors.New("no signature by a trusted key")
)

// Limits on what Verify reads from a .sig image (cosign reads at most 1000 layers).
const (
	maxSignatures  = 1000
	maxPayloadSize = 1 << 20
)

// Signature is a verified signature.
type Signature struct {
	KeyID       string            // Verifier.ID of the key that made it
	Payload     []byte            // the signed simple-signing JSON
	Annotations map[string]string // the payload's optional annotations
}

// Verify returns the signatures on d that verify with any of vs and whose payload names
// exactly d's digest (and, with WithAnnotations, carries those annotations). It is an
// error, matching ErrUnsigned, when d has no signatures at all, and one matching
// ErrUntrusted when it has some but none of them passes.
//
// The claimed identity (critical.identity.docker-reference) is not checked, as cosign
// does not: a kit copied with its signatures to another registry still verifies.
func Verify(ctx context.Context, d name.Digest, vs []*Verifier, opts ...Option) ([]Signature, error) {
	if len(vs) == 0 {
		return nil, fmt.Errorf("verify %s: no trusted public keys; fix: list the vendor's public keys (keys:) in Kitbash.yaml", d)
	}
	for _, v := range vs {
		if v == nil {
			return nil, fmt.Errorf("verify %s: nil public key", d)
		}
	}
	cfg, err := newConfig(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", d, err)
	}
	tag, err := signatureTag(d)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", d, err)
	}
	img, err := fetchSignatureImage(tag, cfg)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", d, err)
	}
	var (
		sigs    []Signature
		reasons []string
		n       int
	)
	if img != nil {
		sigs, reasons, n, err = checkSignatures(img, d, vs, cfg.annotations)
		if err != nil {
			return nil, fmt.Errorf("verify %s: read signatures at %s: %w", d, tag, err)
		}
	}
	if n == 0 {
		if _, err := remote.Head(d, cfg.remote...); err != nil {
			if isNotFound(err) {
				return nil, fmt.Errorf("verify %s: not found in the registry; fix: check the reference, or push it", d)
			}
			return nil, fmt.Errorf("verify %s: %w", d, err)
		}
		return nil, fmt.Errorf("verify %s: %w: no signatures at %s; fix: sign it with the publisher's key (signing: key: in Kitbash.yaml, or cosign sign --key cosign.key %s), and copy its .sig tag along when mirroring it",
			d, ErrUnsigned, tag, d)
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("verify %s: %w: %d signature(s) at %s, none valid for trusted key(s) %s (%s); fix: if you trust the signer, add its public key to the vendor's keys in Kitbash.yaml, otherwise have %s signed with a trusted key",
			d, ErrUntrusted, n, tag, keyIDs(vs), strings.Join(reasons, "; "), d)
	}
	for _, s := range sigs {
		cfg.logf("%s: signature by key %s verified", d, s.KeyID)
	}
	return sigs, nil
}

// checkSignatures checks each signature layer of the .sig image img against vs: the
// signature must verify over the payload with one of vs, and the payload must name d's
// digest and carry the wanted annotations. It returns the signatures that pass, why each
// other one failed, and how many signatures there are. The error is for what could not
// be read (registry, malformed image).
func checkSignatures(img v1.Image, d name.Digest, vs []*Verifier, want map[string]string) ([]Signature, []string, int, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, nil, 0, err
	}
	if len(m.Layers) > maxSignatures {
		return nil, nil, 0, fmt.Errorf("%d layers, more than the %d signatures allowed", len(m.Layers), maxSignatures)
	}
	var (
		sigs    []Signature
		reasons []string
	)
	for i, desc := range m.Layers {
		fail := func(format string, args ...any) {
			reasons = append(reasons, fmt.Sprintf("signature %d: ", i+1)+fmt.Sprintf(format, args...))
		}
		b64, ok := desc.Annotations[SignatureAnnotation]
		if !ok {
			fail("no %s annotation", SignatureAnnotation)
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			fail("signature is not base64")
			continue
		}
		if desc.Size > maxPayloadSize {
			fail("payload of %d bytes, more than %d", desc.Size, maxPayloadSize)
			continue
		}
		payload, err := readPayload(img, desc.Digest)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("signature %d: %w", i+1, err)
		}
		var v *Verifier
		for _, c := range vs {
			if c.verify(payload, raw) {
				v = c
				break
			}
		}
		if v == nil {
			fail("does not verify with a trusted key (another signer, or the payload was altered)")
			continue
		}
		p, ann, err := parsePayload(payload)
		if err != nil {
			fail("key %s: %v", v.ID(), err)
			continue
		}
		if got := p.Critical.Image.DockerManifestDigest; got != d.DigestStr() {
			fail("key %s signed %q, not this digest", v.ID(), got)
			continue
		}
		if k, ok := missingAnnotation(ann, want); ok {
			if got, has := ann[k]; has {
				fail("key %s: annotation %q is %q, want %q", v.ID(), k, got, want[k])
			} else {
				fail("key %s: no annotation %q (want %q)", v.ID(), k, want[k])
			}
			continue
		}
		sigs = append(sigs, Signature{KeyID: v.ID(), Payload: payload, Annotations: ann})
	}
	return sigs, reasons, len(m.Layers), nil
}

// readPayload reads a signature layer's bytes as stored (cosign reads the "compressed"
// blob: the payload is not compressed). The registry content is checked against digest.
func readPayload(img v1.Image, digest v1.Hash) ([]byte, error) {
	l, err := img.LayerByDigest(digest)
	if err != nil {
		return nil, fmt.Errorf("payload %s: %w", digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("payload %s: %w", digest, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxPayloadSize+1))
	if err != nil {
		return nil, fmt.Errorf("payload %s: %w", digest, err)
	}
	if len(b) > maxPayloadSize {
		return nil, fmt.Errorf("payload %s: more than %d bytes", digest, maxPayloadSize)
	}
	return b, nil
}

// missingAnnotation returns the first wanted annotation (in key order) that have lacks or
// has with another value.
func missingAnnotation(have, want map[string]string) (string, bool) {
	var bad []string
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return "", false
	}
	slices.Sort(bad)
	return bad[0], true
}

func keyIDs(vs []*Verifier) string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID()
	}
	return strings.Join(ids, ", ")
}
