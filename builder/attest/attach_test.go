package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// testRegistry is an in-process registry that counts the requests that write.
type testRegistry struct {
	host   string
	writes atomic.Int64
	mu     sync.Mutex
	log    []string // writing requests: "PUT /v2/…"
}

func newTestRegistry(t *testing.T, referrers bool) *testRegistry {
	t.Helper()
	tr := &testRegistry{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(referrers))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut, http.MethodPost, http.MethodPatch:
			tr.writes.Add(1)
			tr.mu.Lock()
			tr.log = append(tr.log, r.Method+" "+r.URL.Path)
			tr.mu.Unlock()
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tr.host = strings.TrimPrefix(srv.URL, "http://")
	return tr
}

func (tr *testRegistry) writeLog() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.log...)
}

// pushSubject pushes a small OCI image to repo and returns its digest reference.
func pushSubject(t *testing.T, repo name.Repository) name.Digest {
	t.Helper()
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), static.NewLayer([]byte("kit layer"), types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ref := repo.Digest(d.String())
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	return ref
}

type attachment struct {
	artifactType, mediaType string
	data                    []byte
}

func testAttachments(t *testing.T) []attachment {
	t.Helper()
	sbom, err := SPDX(testSBOM())
	if err != nil {
		t.Fatal(err)
	}
	prov, err := Provenance(testProvenance())
	if err != nil {
		t.Fatal(err)
	}
	return []attachment{
		{SBOMArtifactType, SBOMArtifactType, sbom},
		{ProvenanceArtifactType, "application/vnd.in-toto+json", prov},
	}
}

var testAnnotations = map[string]string{AnnotationCreated: "2023-11-14T22:13:20Z"}

func TestAttach(t *testing.T) {
	for _, mode := range []struct {
		name      string
		referrers bool
	}{{"referrers-api", true}, {"fallback-tag", false}} {
		t.Run(mode.name, func(t *testing.T) {
			ctx := context.Background()
			tr := newTestRegistry(t, mode.referrers)
			repo, err := name.NewRepository(tr.host + "/kits/core")
			if err != nil {
				t.Fatal(err)
			}
			subject := pushSubject(t, repo)
			atts := testAttachments(t)

			descs := map[string]v1.Descriptor{}
			for _, a := range atts {
				desc, uploaded, err := Attach(ctx, subject, a.artifactType, a.mediaType, a.data, testAnnotations)
				if err != nil {
					t.Fatal(err)
				}
				if !uploaded || desc.ArtifactType != a.artifactType || desc.MediaType != types.OCIManifestSchema1 {
					t.Fatalf("attach %s: uploaded %v, %+v", a.artifactType, uploaded, desc)
				}
				descs[a.artifactType] = desc
			}

			all, err := List(ctx, subject, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 2 || all[0].ArtifactType != SBOMArtifactType || all[1].ArtifactType != ProvenanceArtifactType {
				t.Fatalf("referrers: %+v", all)
			}
			for _, r := range all {
				d := descs[r.ArtifactType]
				if r.Digest != d.Digest.String() || r.Size != d.Size || r.MediaType != string(types.OCIManifestSchema1) || r.Annotations[AnnotationCreated] != testAnnotations[AnnotationCreated] {
					t.Fatalf("referrer %+v, attached %+v", r, d)
				}
			}
			for _, a := range atts {
				only, err := List(ctx, subject, a.artifactType)
				if err != nil {
					t.Fatal(err)
				}
				if len(only) != 1 || only[0].ArtifactType != a.artifactType {
					t.Fatalf("referrers of type %s: %+v", a.artifactType, only)
				}
				got, err := Fetch(ctx, repo, only[0].Digest)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, a.data) {
					t.Fatalf("fetched %s differs from what was attached", a.artifactType)
				}
			}
			if none, err := List(ctx, subject, "application/example"); err != nil || len(none) != 0 {
				t.Fatalf("referrers of another type: %+v %v", none, err)
			}

			if mode.referrers {
				// ggcr's registry lists the config media type, not the manifest's
				// artifactType; List reads the manifest to correct it.
				idx, err := remote.Referrers(subject)
				if err != nil {
					t.Fatal(err)
				}
				im, err := idx.IndexManifest()
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range im.Manifests {
					if m.ArtifactType != string(types.OCIEmptyJSON) {
						t.Logf("the registry now lists artifactType %q: List's correction may be unneeded", m.ArtifactType)
					}
				}
			}

			// Who keeps the list: the registry, or ggcr through the fallback tag.
			tag := repo.Tag(strings.Replace(subject.DigestStr(), ":", "-", 1))
			idx, err := remote.Index(tag)
			if mode.referrers {
				if err == nil {
					t.Fatal("a fallback tag was written on a registry with the referrers API")
				}
			} else {
				if err != nil {
					t.Fatalf("no fallback tag: %v", err)
				}
				im, err := idx.IndexManifest()
				if err != nil {
					t.Fatal(err)
				}
				if len(im.Manifests) != 2 || im.Manifests[0].Digest.String() > im.Manifests[1].Digest.String() {
					t.Fatalf("fallback index: %+v", im.Manifests)
				}
				for _, m := range im.Manifests {
					if descs[m.ArtifactType].Digest != m.Digest || m.Annotations[AnnotationCreated] == "" {
						t.Fatalf("fallback index entry %+v", m)
					}
				}
			}

			// Attaching again uploads nothing.
			tr.writes.Store(0)
			before := len(tr.writeLog())
			for _, a := range atts {
				desc, uploaded, err := Attach(ctx, subject, a.artifactType, a.mediaType, a.data, testAnnotations)
				if err != nil {
					t.Fatal(err)
				}
				if uploaded || desc.Digest != descs[a.artifactType].Digest {
					t.Fatalf("re-attach %s: uploaded %v, digest %s, was %s", a.artifactType, uploaded, desc.Digest, descs[a.artifactType].Digest)
				}
			}
			if n := tr.writes.Load(); n != 0 {
				t.Fatalf("re-attaching wrote %d times: %v", n, tr.writeLog()[before:])
			}
		})
	}
}

func TestAttachManifest(t *testing.T) {
	ctx := context.Background()
	a, b := newTestRegistry(t, true), newTestRegistry(t, false)
	data := []byte(`{"spdxVersion":"SPDX-2.3"}`)
	var digests []v1.Hash
	for _, tr := range []*testRegistry{a, b} {
		repo, err := name.NewRepository(tr.host + "/kits/core")
		if err != nil {
			t.Fatal(err)
		}
		subject := pushSubject(t, repo)
		desc, _, err := Attach(ctx, subject, SBOMArtifactType, SBOMArtifactType, data, map[string]string{AnnotationCreated: "2023-11-14T22:13:20Z", "dev.kitbash.kit.name": "core"})
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, desc.Digest)
		raw, err := remote.Get(repo.Digest(desc.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		var m v1.Manifest
		if err := json.Unmarshal(raw.Manifest, &m); err != nil {
			t.Fatal(err)
		}
		switch {
		case m.SchemaVersion != 2 || m.MediaType != types.OCIManifestSchema1 || m.ArtifactType != SBOMArtifactType:
			t.Fatalf("manifest header: %s", raw.Manifest)
		case m.Config.MediaType != types.OCIEmptyJSON || m.Config.Size != 2 || m.Config.Digest.String() != "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a":
			t.Fatalf("config is not the OCI empty descriptor: %+v", m.Config)
		case len(m.Layers) != 1 || m.Layers[0].MediaType != SBOMArtifactType || m.Layers[0].Size != int64(len(data)):
			t.Fatalf("layers: %+v", m.Layers)
		case m.Subject == nil || m.Subject.Digest.String() != subject.DigestStr() || m.Subject.MediaType != types.OCIManifestSchema1 || m.Subject.Size == 0:
			t.Fatalf("subject: %+v", m.Subject)
		case m.Annotations[AnnotationCreated] != "2023-11-14T22:13:20Z" || m.Annotations["dev.kitbash.kit.name"] != "core":
			t.Fatalf("annotations: %v", m.Annotations)
		}
		if _, err := remote.Layer(repo.Digest(m.Config.Digest.String())); err != nil {
			t.Fatalf("config blob: %v", err)
		}
	}
	if digests[0] != digests[1] {
		t.Fatalf("the same attachment to the same subject has digests %s and %s", digests[0], digests[1])
	}
}

// An artifact manifest that is in the repository but missing from the fallback tag
// (a push that stopped between the two) is listed again by the next Attach.
func TestAttachRepairsFallbackTag(t *testing.T) {
	ctx := context.Background()
	tr := newTestRegistry(t, false)
	repo, err := name.NewRepository(tr.host + "/kits/core")
	if err != nil {
		t.Fatal(err)
	}
	subject := pushSubject(t, repo)
	data := []byte("sbom")
	desc, _, err := Attach(ctx, subject, SBOMArtifactType, SBOMArtifactType, data, testAnnotations)
	if err != nil {
		t.Fatal(err)
	}
	tag := repo.Tag(strings.Replace(subject.DigestStr(), ":", "-", 1))
	if err := remote.Put(tag, mutate.IndexMediaType(empty.Index, types.OCIImageIndex)); err != nil {
		t.Fatal(err)
	}
	if rs, err := List(ctx, subject, ""); err != nil || len(rs) != 0 {
		t.Fatalf("after emptying the tag: %+v %v", rs, err)
	}
	again, uploaded, err := Attach(ctx, subject, SBOMArtifactType, SBOMArtifactType, data, testAnnotations)
	if err != nil || !uploaded || again.Digest != desc.Digest {
		t.Fatalf("repair: uploaded %v, %v, digest %s want %s", uploaded, err, again.Digest, desc.Digest)
	}
	rs, err := List(ctx, subject, SBOMArtifactType)
	if err != nil || len(rs) != 1 || rs[0].Digest != desc.Digest.String() {
		t.Fatalf("after repair: %+v %v", rs, err)
	}
}

func TestAttachErrors(t *testing.T) {
	ctx := context.Background()
	tr := newTestRegistry(t, false)
	repo, err := name.NewRepository(tr.host + "/kits/core")
	if err != nil {
		t.Fatal(err)
	}
	subject := pushSubject(t, repo)
	tr.writes.Store(0)
	for name, c := range map[string]struct {
		at, mt      string
		data        []byte
		annotations map[string]string
	}{
		"no created":      {SBOMArtifactType, SBOMArtifactType, []byte("x"), nil},
		"bad created":     {SBOMArtifactType, SBOMArtifactType, []byte("x"), map[string]string{AnnotationCreated: "now"}},
		"no data":         {SBOMArtifactType, SBOMArtifactType, nil, testAnnotations},
		"bad type":        {"spdx", SBOMArtifactType, []byte("x"), testAnnotations},
		"bad layer type":  {SBOMArtifactType, "", []byte("x"), testAnnotations},
		"params in types": {SBOMArtifactType + "; charset=utf-8", SBOMArtifactType, []byte("x"), testAnnotations},
	} {
		if _, _, err := Attach(ctx, subject, c.at, c.mt, c.data, c.annotations); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	missing := repo.Digest("sha256:" + strings.Repeat("0", 64))
	if _, _, err := Attach(ctx, missing, SBOMArtifactType, SBOMArtifactType, []byte("x"), testAnnotations); err == nil {
		t.Error("attached to a subject that does not exist")
	}
	if n := tr.writes.Load(); n != 0 {
		t.Errorf("failed attachments wrote %d times: %v", n, tr.writeLog())
	}
	if _, err := Fetch(ctx, repo, missing.DigestStr()); err == nil {
		t.Error("fetched a manifest that does not exist")
	}
	if _, err := Fetch(ctx, repo, subject.DigestStr()); err != nil {
		// The subject is an image with one layer: Fetch reads it; that is fine.
		t.Errorf("fetch of a one-layer image: %v", err)
	}
	if _, err := Fetch(ctx, repo, "latest"); err == nil {
		t.Error("fetched by a tag")
	}
}
