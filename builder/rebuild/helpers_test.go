package rebuild

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/kitbash-dev/kitbash/builder/attest"
	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/kitsrc"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/regref"
)

const created = "2023-11-14T22:13:20Z" // 1700000000

// newRegistry starts an in-process registry with the referrers API and returns its host.
func newRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true)))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// fakeKit is what publishKit below put in the registry.
type fakeKit struct {
	ref     name.Digest
	config  kit.Config
	sources []byte
}

// publishSpec says which attachments a fake publish makes.
type publishSpec struct {
	noSources   bool
	noSBOM      bool
	provSources string // the sources digest the provenance records ("" for the real one, "-" for none)
}

// publishKit packs a kit of two packages, pushes it to host/kits/core:0.1.0 and attaches
// an SBOM, provenance and a sources tar, as publish kit does.
func publishKit(t *testing.T, host string, ps publishSpec) fakeKit {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	member := func(name, body string) kit.Member {
		p := filepath.Join(dir, name+".tar")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return kit.Member{Tar: p, Manifest: pkg.Manifest{Name: name, Version: "1.0", Release: 1, Arch: "x86_64", Licenses: []string{"MIT"},
			Files: pkg.FilesSummary{Digest: digestOf([]byte(body)), Size: int64(len(body)), Count: 1}, SpecDigest: digestOf([]byte(name + " spec")),
			InputsDigest: digestOf([]byte(name + " inputs")), Sources: []pkg.SourceDigest{{Kind: "path", Name: "files", Digest: digestOf([]byte(name))}}}}
	}
	cfg := kit.Config{Name: "core", Version: "0.1.0", Arch: "x86_64", Created: created, SDK: digestOf([]byte("sdk"))}
	idx, err := kit.Index(cfg, []kit.Member{member("runc", "runc bytes"), member("containerd", "containerd bytes")})
	if err != nil {
		t.Fatal(err)
	}
	store, err := ocistore.Open(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.PutIndex(ctx, kit.StoreRef("core", "0.1.0"), idx)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := regref.Parse(host + "/kits/core:0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := kit.Push(ctx, store, h.String(), ref)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := store.Index(h)
	opened, err := kit.Open(stored, "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	sources := packSources(t)
	ann := map[string]string{attest.AnnotationCreated: created}
	attach := func(artifactType string, data []byte) {
		if _, _, err := attest.Attach(ctx, d, artifactType, artifactType, data, ann); err != nil {
			t.Fatal(err)
		}
	}
	if !ps.noSBOM {
		sbom, err := attest.SPDX(attest.SBOMInput{Kit: opened.Config, Digest: h.String(), Repo: d.Context().String()})
		if err != nil {
			t.Fatal(err)
		}
		attach(attest.SBOMArtifactType, sbom)
	}
	in := attest.ProvenanceInput{Kit: opened.Config, Digest: h.String(), Name: d.Context().String(), BuilderID: "https://example.org/kitbash@test"}
	switch recorded := ps.provSources; recorded {
	case "-":
	case "":
		in.Dependencies = append(in.Dependencies, dependency(t, kitsrc.DependencyPrefix+"core", digestOf(sources)))
	default:
		in.Dependencies = append(in.Dependencies, dependency(t, kitsrc.DependencyPrefix+"core", recorded))
	}
	prov, err := attest.Provenance(in)
	if err != nil {
		t.Fatal(err)
	}
	attach(attest.ProvenanceArtifactType, prov)
	if !ps.noSources {
		attach(kitsrc.ArtifactType, sources)
	}
	return fakeKit{ref: d, config: opened.Config, sources: sources}
}

func dependency(t *testing.T, uri, digest string) attest.Dependency {
	t.Helper()
	ds, err := attest.DigestSet(digest)
	if err != nil {
		t.Fatal(err)
	}
	return attest.Dependency{URI: uri, Digest: ds}
}

// packSources packs a tiny project's sources.
func packSources(t *testing.T) []byte {
	t.Helper()
	root := t.TempDir()
	for p, body := range map[string]string{"Kitbash.yaml": "schema-version: 1\n", "Kitbash.lock": "schema-version: 1\n", "kits/core/kit.yaml": "name: core\n"} {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		if err := os.WriteFile(filepath.Join(root, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := kitsrc.Pack(root, []string{"Kitbash.yaml", "Kitbash.lock", "kits/core/kit.yaml"}, kitsrc.WithEpoch(1700000000))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
