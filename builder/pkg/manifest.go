package pkg

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// ManifestSchema is the version of the manifest format.
const ManifestSchema = 1

// SourceDigest names one fetched source of a package.
type SourceDigest struct {
	Kind   string `json:"kind"` // path, url, apt, gomod
	Name   string `json:"name"`
	Digest string `json:"digest"`
}

// Manifest describes a package artifact and everything that went into it.
type Manifest struct {
	SchemaVersion int            `json:"schemaVersion"`
	Name          string         `json:"name"`
	Version       string         `json:"version"`
	Release       int            `json:"release"`
	Arch          string         `json:"arch"`
	Requires      []string       `json:"requires"`
	Provides      []string       `json:"provides"`
	Licenses      []string       `json:"licenses"`
	Files         FilesSummary   `json:"files"`
	Sources       []SourceDigest `json:"sources"`
	SpecDigest    string         `json:"specDigest"`
	InputsDigest  string         `json:"inputsDigest"`
}

// FilesSummary identifies the package tar.
type FilesSummary struct {
	Digest string `json:"digest"` // sha256 of the deterministic tar
	Size   int64  `json:"size"`
	Count  int    `json:"count"`
}

// Encode returns the manifest as canonical JSON: fixed field order, sorted lists, no
// nil lists, a trailing newline.
func (m Manifest) Encode() ([]byte, error) {
	m.SchemaVersion = ManifestSchema
	m.Requires, m.Provides, m.Licenses = sorted(m.Requires), sorted(m.Provides), sorted(m.Licenses)
	if m.Sources == nil {
		m.Sources = []SourceDigest{}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest of %s: %w", m.Name, err)
	}
	return append(b, '\n'), nil
}

func sorted(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

// Inputs is everything a package build depends on. Two builds with equal inputs digests
// must give byte-identical packages; the store is keyed by it.
type Inputs struct {
	SpecDigest    string            `json:"spec"`
	Sources       []SourceDigest    `json:"sources"`       // in spec order
	BuildRequires map[string]string `json:"buildRequires"` // package name → its files digest
	SDKDigest     string            `json:"sdk"`
	Arch          string            `json:"arch"`
	Epoch         int64             `json:"sourceDateEpoch"`
	Builder       string            `json:"builder"` // version of the package build recipe (LLB shape)
}

// Digest is "sha256:<hex>" of the canonical JSON of the inputs (encoding/json sorts map keys).
func (in Inputs) Digest() (string, error) {
	if in.Sources == nil {
		in.Sources = []SourceDigest{}
	}
	if in.BuildRequires == nil {
		in.BuildRequires = map[string]string{}
	}
	b, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("encode package inputs: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
