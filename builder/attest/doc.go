// Package attest makes a kit's attestations and attaches them to it in a registry.
//
// SPDX writes an SPDX 2.3 SBOM of a kit and Provenance an in-toto v1 statement with a
// SLSA v1 provenance predicate; both are deterministic: the same kit gives the same
// bytes (nothing random, no wall-clock time; times are the kit's created time, which
// comes from SOURCE_DATE_EPOCH).
//
// Attach pushes an attestation as an OCI 1.1 artifact manifest whose subject is the
// kit, List finds a kit's attestations and Fetch reads one back. Registries without the
// OCI 1.1 referrers API are served by the referrers tag schema ("sha256-<hex>" tagging an
// image index of the referrers), which go-containerregistry maintains itself when it
// writes a manifest with a subject and reads when it lists referrers.
package attest

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Artifact types of the attestations.
const (
	SBOMArtifactType       = "application/spdx+json"
	ProvenanceArtifactType = "application/vnd.in-toto+json"
)

// parseSHA256 returns the hex of a "sha256:<64 lowercase hex>" digest.
func parseSHA256(d string) (string, error) {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok {
		return "", fmt.Errorf("digest %q: want sha256:<hex>", d)
	}
	if len(h) != 64 || strings.ToLower(h) != h {
		return "", fmt.Errorf("digest %q: want 64 lowercase hex digits", d)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", fmt.Errorf("digest %q: want 64 lowercase hex digits", d)
	}
	return h, nil
}

// DigestSet turns a "sha256:<hex>" digest into an in-toto digest set {"sha256": "<hex>"}.
func DigestSet(d string) (map[string]string, error) {
	h, err := parseSHA256(d)
	if err != nil {
		return nil, err
	}
	return map[string]string{"sha256": h}, nil
}

// utcSeconds normalizes the kit's created time (RFC 3339) to UTC with whole seconds,
// the form SPDX requires ("2006-01-02T15:04:05Z").
func utcSeconds(created string) (string, error) {
	if created == "" {
		return "", fmt.Errorf("kit has no created time (it comes from SOURCE_DATE_EPOCH)")
	}
	t, err := time.Parse(time.RFC3339, created)
	if err != nil {
		return "", fmt.Errorf("kit created time %q is not RFC 3339: %w", created, err)
	}
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z"), nil
}
