package sign

import (
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
)

// The cosign signature format ("simple signing" payload in a .sig image), as written by
// cosign's pkg/oci/static and sigstore's pkg/signature/payload.
const (
	// SimpleSigningMediaType is the media type of a signature layer; its content is the
	// payload that was signed.
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// SignatureAnnotation is the layer annotation holding base64(ASN.1 ECDSA signature
	// over sha256(payload)).
	SignatureAnnotation = "dev.cosignproject.cosign/signature"
	// payloadType is critical.type of every cosign image signature payload.
	payloadType = "cosign container image signature"
)

// simpleSigning is sigstore's payload.SimpleContainerImage: same fields, same order, so
// json.Marshal gives the bytes cosign writes.
type simpleSigning struct {
	Critical critical       `json:"critical"`
	Optional map[string]any `json:"optional"`
}

type critical struct {
	Identity identity `json:"identity"`
	Image    image    `json:"image"`
	Type     string   `json:"type"`
}

type identity struct {
	DockerReference string `json:"docker-reference"`
}

type image struct {
	DockerManifestDigest string `json:"docker-manifest-digest"`
}

// marshalPayload returns the payload cosign signs for d: the repository (without tag or
// digest) as claimed identity, d's digest, and the annotations as optional data ("null"
// when there are none, as cosign writes it).
func marshalPayload(d name.Digest, annotations map[string]string) ([]byte, error) {
	p := simpleSigning{
		Critical: critical{
			Identity: identity{DockerReference: d.Context().Name()},
			Image:    image{DockerManifestDigest: d.DigestStr()},
			Type:     payloadType,
		},
	}
	if len(annotations) > 0 {
		p.Optional = make(map[string]any, len(annotations))
		for k, v := range annotations {
			p.Optional[k] = v
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode signature payload: %w", err)
	}
	return b, nil
}

// parsePayload decodes a signed payload; the optional values come back as strings
// (values that are not JSON strings in their JSON encoding).
func parsePayload(b []byte) (*simpleSigning, map[string]string, error) {
	var p simpleSigning
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, nil, fmt.Errorf("payload is not cosign simple-signing JSON: %w", err)
	}
	if p.Critical.Type != payloadType {
		return nil, nil, fmt.Errorf("payload type is %q, not %q", p.Critical.Type, payloadType)
	}
	var ann map[string]string
	if len(p.Optional) > 0 {
		ann = make(map[string]string, len(p.Optional))
		for k, v := range p.Optional {
			if s, ok := v.(string); ok {
				ann[k] = s
				continue
			}
			j, err := json.Marshal(v)
			if err != nil {
				return nil, nil, fmt.Errorf("payload annotation %q: %w", k, err)
			}
			ann[k] = string(j)
		}
	}
	return &p, ann, nil
}
