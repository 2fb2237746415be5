package attest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxAttachmentSize bounds what Fetch reads.
const maxAttachmentSize = 256 << 20

// Referrer is a manifest that refers to a subject: an attachment.
type Referrer struct {
	ArtifactType string            `json:"artifactType"`
	MediaType    string            `json:"mediaType"` // of the referrer manifest
	Digest       string            `json:"digest"`    // of the referrer manifest, sha256:<hex>
	Size         int64             `json:"size"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// List returns the referrers of subject with artifactType (all of them when it is
// empty), sorted by artifact type then digest. remote.Referrers asks the referrers API
// and falls back to the "sha256-<hex>" tag when the registry has none.
//
// A referrer listed without an artifact type, or with the config media type of an
// artifact without config (application/vnd.oci.empty.v1+json; go-containerregistry's
// own registry lists the config media type instead of the manifest's artifactType), has
// its manifest read to learn its artifactType. Filtering is done here, after that, and
// not with remote.WithFilter, which would filter on the listed types.
func List(ctx context.Context, subject name.Digest, artifactType string, opts ...remote.Option) ([]Referrer, error) {
	opts = append(opts[:len(opts):len(opts)], remote.WithContext(ctx))
	idx, err := remote.Referrers(subject, opts...)
	if err != nil {
		return nil, fmt.Errorf("list referrers of %s: %w", subject, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("list referrers of %s: %w", subject, err)
	}
	var out []Referrer
	seen := map[v1.Hash]bool{}
	for _, d := range im.Manifests {
		if seen[d.Digest] {
			continue
		}
		seen[d.Digest] = true
		r := Referrer{ArtifactType: d.ArtifactType, MediaType: string(d.MediaType), Digest: d.Digest.String(), Size: d.Size, Annotations: copyMap(d.Annotations)}
		if r.ArtifactType == "" || r.ArtifactType == string(types.OCIEmptyJSON) {
			m, err := getManifest(subject.Context(), d.Digest.String(), opts)
			if err != nil {
				return nil, fmt.Errorf("list referrers of %s: %w", subject, err)
			}
			r.ArtifactType = m.ArtifactType
			if r.ArtifactType == "" {
				r.ArtifactType = string(m.Config.MediaType)
			}
			if r.Annotations == nil {
				r.Annotations = copyMap(m.Annotations)
			}
		}
		if artifactType == "" || r.ArtifactType == artifactType {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ArtifactType != out[j].ArtifactType {
			return out[i].ArtifactType < out[j].ArtifactType
		}
		return out[i].Digest < out[j].Digest
	})
	return out, nil
}

// Fetch returns the content of the referrer manifest manifestDigest in repo: the bytes
// of its one layer, checked against the manifest's and the layer's digests and size.
func Fetch(ctx context.Context, repo name.Repository, manifestDigest string, opts ...remote.Option) ([]byte, error) {
	opts = append(opts[:len(opts):len(opts)], remote.WithContext(ctx))
	m, err := getManifest(repo, manifestDigest, opts)
	if err != nil {
		return nil, fmt.Errorf("fetch %s@%s: %w", repo, manifestDigest, err)
	}
	if len(m.Layers) != 1 {
		return nil, fmt.Errorf("fetch %s@%s: the manifest has %d layers, want 1", repo, manifestDigest, len(m.Layers))
	}
	l := m.Layers[0]
	if l.Size < 0 || l.Size > maxAttachmentSize {
		return nil, fmt.Errorf("fetch %s@%s: layer size %d is out of bounds", repo, manifestDigest, l.Size)
	}
	if _, err := parseSHA256(l.Digest.String()); err != nil {
		return nil, fmt.Errorf("fetch %s@%s: layer %w", repo, manifestDigest, err)
	}
	layer, err := remote.Layer(repo.Digest(l.Digest.String()), opts...)
	if err != nil {
		return nil, fmt.Errorf("fetch %s@%s: layer: %w", repo, manifestDigest, err)
	}
	rc, err := layer.Compressed()
	if err != nil {
		return nil, fmt.Errorf("fetch %s@%s: layer %s: %w", repo, manifestDigest, l.Digest, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, l.Size+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s@%s: layer %s: %w", repo, manifestDigest, l.Digest, err)
	}
	sum := sha256.Sum256(b)
	if int64(len(b)) != l.Size || "sha256:"+hex.EncodeToString(sum[:]) != l.Digest.String() {
		return nil, fmt.Errorf("fetch %s@%s: layer %s: content does not match its digest and size", repo, manifestDigest, l.Digest)
	}
	return b, nil
}

// getManifest fetches an image manifest by digest and checks the bytes against it.
func getManifest(repo name.Repository, digest string, opts []remote.Option) (*v1.Manifest, error) {
	want, err := parseSHA256(digest)
	if err != nil {
		return nil, err
	}
	d, err := remote.Get(repo.Digest(digest), opts...)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if sum := sha256.Sum256(d.Manifest); hex.EncodeToString(sum[:]) != want {
		return nil, fmt.Errorf("manifest %s: content does not match its digest", digest)
	}
	if !d.MediaType.IsImage() {
		return nil, fmt.Errorf("manifest %s: media type %s is not an image manifest", digest, d.MediaType)
	}
	m, err := v1.ParseManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", digest, err)
	}
	return m, nil
}
