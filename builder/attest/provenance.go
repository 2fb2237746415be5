package attest

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/kitbash-dev/kitbash/builder/kit"
)

// The statement and predicate types of provenance, and the kit build type.
const (
	StatementType      = "https://in-toto.io/Statement/v1"
	SLSAProvenanceType = "https://slsa.dev/provenance/v1"
	KitBuildType       = "https://kitbash.dev/buildtypes/kit/v1"
)

// ProvenanceInput is what a kit's provenance is made from.
type ProvenanceInput struct {
	Kit          kit.Config
	Digest       string            // the subject: the kit's index digest, sha256:<hex>
	Name         string            // the subject's name, e.g. the repository
	BuilderID    string            // e.g. https://github.com/kitbash-dev/kitbash@<version>
	Parameters   map[string]string // external parameters: kit name and version, project source and revision…
	Dependencies []Dependency      // resolved dependencies: the SDK, specs, sources
}

// Dependency is a resolved dependency of a build: an SLSA resource descriptor.
type Dependency struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"` // algorithm -> lowercase hex, e.g. {"sha256": "…"}; see DigestSet
}

type statement struct {
	Type          string        `json:"_type"`
	Subject       []subject     `json:"subject"`
	PredicateType string        `json:"predicateType"`
	Predicate     slsaPredicate `json:"predicate"`
}

type subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

type slsaPredicate struct {
	BuildDefinition struct {
		BuildType            string            `json:"buildType"`
		ExternalParameters   map[string]string `json:"externalParameters"`
		InternalParameters   map[string]string `json:"internalParameters,omitempty"`
		ResolvedDependencies []Dependency      `json:"resolvedDependencies,omitempty"`
	} `json:"buildDefinition"`
	RunDetails struct {
		Builder struct {
			ID string `json:"id"`
		} `json:"builder"`
		Metadata struct {
			InvocationID string `json:"invocationId"`
			StartedOn    string `json:"startedOn"`
			FinishedOn   string `json:"finishedOn"`
		} `json:"metadata"`
	} `json:"runDetails"`
}

// Provenance returns an in-toto v1 statement about the kit digest with a SLSA v1
// provenance predicate. It is deterministic: parameters are JSON objects (sorted keys),
// dependencies are sorted by URI, the invocation id is the kit digest (builds are
// reproducible, so the output names the build) and startedOn and finishedOn are both
// the kit's created time (SOURCE_DATE_EPOCH), not the wall clock.
func Provenance(in ProvenanceInput) ([]byte, error) {
	kitHex, err := parseSHA256(in.Digest)
	if err != nil {
		return nil, fmt.Errorf("provenance of kit %s: %w", in.Kit.Name, err)
	}
	if in.Name == "" || in.BuilderID == "" {
		return nil, fmt.Errorf("provenance of kit %s: subject name and builder id are required", in.Kit.Name)
	}
	created, err := utcSeconds(in.Kit.Created)
	if err != nil {
		return nil, fmt.Errorf("provenance of kit %s: %w", in.Kit.Name, err)
	}
	deps, err := sortedDependencies(in.Dependencies)
	if err != nil {
		return nil, fmt.Errorf("provenance of kit %s: %w", in.Kit.Name, err)
	}

	st := statement{
		Type:          StatementType,
		Subject:       []subject{{Name: in.Name, Digest: map[string]string{"sha256": kitHex}}},
		PredicateType: SLSAProvenanceType,
	}
	bd := &st.Predicate.BuildDefinition
	bd.BuildType = KitBuildType
	bd.ExternalParameters = map[string]string{}
	for k, v := range in.Parameters {
		bd.ExternalParameters[k] = v
	}
	if in.Kit.SDK != "" {
		bd.InternalParameters = map[string]string{"sdk": in.Kit.SDK}
	}
	bd.ResolvedDependencies = deps
	rd := &st.Predicate.RunDetails
	rd.Builder.ID = in.BuilderID
	rd.Metadata.InvocationID = in.Digest
	rd.Metadata.StartedOn, rd.Metadata.FinishedOn = created, created

	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("provenance of kit %s: %w", in.Kit.Name, err)
	}
	return append(b, '\n'), nil
}

// sortedDependencies checks the dependencies and returns a copy sorted by URI, exact
// duplicates dropped.
func sortedDependencies(in []Dependency) ([]Dependency, error) {
	deps := make([]Dependency, 0, len(in))
	for _, d := range in {
		if d.URI == "" {
			return nil, fmt.Errorf("a resolved dependency has no uri")
		}
		if len(d.Digest) == 0 {
			return nil, fmt.Errorf("resolved dependency %s has no digest", d.URI)
		}
		digest := map[string]string{}
		for alg, v := range d.Digest {
			if alg == "" || v == "" {
				return nil, fmt.Errorf("resolved dependency %s: empty digest algorithm or value", d.URI)
			}
			if alg == "sha256" {
				if _, err := parseSHA256("sha256:" + v); err != nil {
					return nil, fmt.Errorf("resolved dependency %s: %w", d.URI, err)
				}
			}
			digest[alg] = v
		}
		deps = append(deps, Dependency{URI: d.URI, Digest: digest})
	}
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].URI < deps[j].URI })
	var out []Dependency
	for _, d := range deps {
		if n := len(out); n > 0 && d.URI == out[n-1].URI {
			if !sameDigest(d.Digest, out[n-1].Digest) {
				return nil, fmt.Errorf("resolved dependency %s is listed twice with different digests", d.URI)
			}
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

func sameDigest(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
