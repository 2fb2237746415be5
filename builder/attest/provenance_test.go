package attest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func testProvenance() ProvenanceInput {
	return ProvenanceInput{
		Kit:       testKit(),
		Digest:    kitDigest,
		Name:      "registry.example:5000/kits/core",
		BuilderID: "https://github.com/kitbash-dev/kitbash@v0.4.0",
		Parameters: map[string]string{
			"kit": "core", "version": "1.2.0",
			"source": "https://github.com/example/os", "revision": "0123456789abcdef",
		},
		Dependencies: []Dependency{
			{URI: "https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.6.tar.xz", Digest: map[string]string{"sha256": strings.Repeat("a", 64)}},
			{URI: "git+https://github.com/example/os@refs/heads/main", Digest: map[string]string{"gitCommit": "0123456789abcdef"}},
			{URI: "pkg:oci/sdk@sha256%3A" + strings.Repeat("5", 64), Digest: map[string]string{"sha256": strings.Repeat("5", 64)}},
			{URI: "file:specs/containerd/spec.yaml", Digest: map[string]string{"sha256": strings.Repeat("e", 64)}},
		},
	}
}

func TestProvenanceGolden(t *testing.T) {
	b, err := Provenance(testProvenance())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "core.provenance.json", b)
}

func TestProvenanceDeterministic(t *testing.T) {
	a, err := Provenance(testProvenance())
	if err != nil {
		t.Fatal(err)
	}
	in := testProvenance()
	d := in.Dependencies
	d[0], d[3] = d[3], d[0]
	in.Dependencies = append(in.Dependencies, in.Dependencies[1]) // an exact duplicate is dropped
	b, err := Provenance(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same kit gave different provenance")
	}
}

func TestProvenanceDecodes(t *testing.T) {
	b, err := Provenance(testProvenance())
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Type    string `json:"_type"`
		Subject []struct {
			Name   string
			Digest map[string]string
		}
		PredicateType string
		Predicate     struct {
			BuildDefinition struct {
				BuildType            string
				ExternalParameters   map[string]string
				InternalParameters   map[string]string
				ResolvedDependencies []Dependency
			}
			RunDetails struct {
				Builder  struct{ ID string }
				Metadata struct{ InvocationID, StartedOn, FinishedOn string }
			}
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	bd, rd := st.Predicate.BuildDefinition, st.Predicate.RunDetails
	switch {
	case st.Type != "https://in-toto.io/Statement/v1", st.PredicateType != "https://slsa.dev/provenance/v1":
		t.Fatalf("types: %s %s", st.Type, st.PredicateType)
	case len(st.Subject) != 1 || st.Subject[0].Name != "registry.example:5000/kits/core" || "sha256:"+st.Subject[0].Digest["sha256"] != kitDigest:
		t.Fatalf("subject: %+v", st.Subject)
	case bd.BuildType != "https://kitbash.dev/buildtypes/kit/v1" || len(bd.ExternalParameters) != 4 || bd.InternalParameters["sdk"] != sha('5'):
		t.Fatalf("build definition: %+v", bd)
	case len(bd.ResolvedDependencies) != 4:
		t.Fatalf("%d dependencies", len(bd.ResolvedDependencies))
	case rd.Builder.ID != "https://github.com/kitbash-dev/kitbash@v0.4.0" || rd.Metadata.InvocationID != kitDigest ||
		rd.Metadata.StartedOn != "2023-11-14T22:13:20Z" || rd.Metadata.FinishedOn != "2023-11-14T22:13:20Z":
		t.Fatalf("run details: %+v", rd)
	}
	for i := 1; i < len(bd.ResolvedDependencies); i++ {
		if bd.ResolvedDependencies[i-1].URI >= bd.ResolvedDependencies[i].URI {
			t.Fatalf("dependencies not sorted: %+v", bd.ResolvedDependencies)
		}
	}
}

func TestProvenanceErrors(t *testing.T) {
	for name, mod := range map[string]func(*ProvenanceInput){
		"bad digest":    func(in *ProvenanceInput) { in.Digest = "sha512:00" },
		"no name":       func(in *ProvenanceInput) { in.Name = "" },
		"no builder":    func(in *ProvenanceInput) { in.BuilderID = "" },
		"no created":    func(in *ProvenanceInput) { in.Kit.Created = "" },
		"dep no uri":    func(in *ProvenanceInput) { in.Dependencies[0].URI = "" },
		"dep no digest": func(in *ProvenanceInput) { in.Dependencies[0].Digest = nil },
		"dep bad hex": func(in *ProvenanceInput) {
			in.Dependencies[0].Digest = map[string]string{"sha256": "sha256:" + strings.Repeat("a", 64)}
		},
		"dep conflict": func(in *ProvenanceInput) {
			in.Dependencies = append(in.Dependencies, Dependency{URI: in.Dependencies[0].URI, Digest: map[string]string{"sha256": strings.Repeat("f", 64)}})
		},
	} {
		in := testProvenance()
		mod(&in)
		if _, err := Provenance(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDigestSet(t *testing.T) {
	d, err := DigestSet(kitDigest)
	if err != nil || len(d) != 1 || "sha256:"+d["sha256"] != kitDigest {
		t.Fatalf("%v %v", d, err)
	}
	if _, err := DigestSet("sha256:ABC"); err == nil {
		t.Fatal("bad digest accepted")
	}
}
