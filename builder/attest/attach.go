package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// AnnotationCreated is required on every attachment: the kit's created time, so that
// the same attachment always has the same manifest digest.
const AnnotationCreated = "org.opencontainers.image.created"

// emptyJSON is the content of the OCI empty descriptor, the config of an artifact
// without one.
const emptyJSON = "{}"

// Attach pushes data as an OCI 1.1 artifact manifest (an image manifest with
// artifactType, the OCI empty descriptor as config, one layer of mediaType holding
// data) whose subject is the manifest or index subject names, and returns the
// artifact manifest's descriptor. annotations go on the manifest and must include
// org.opencontainers.image.created (the kit's created time, RFC 3339).
//
// The manifest depends only on the arguments and the subject's descriptor, so
// attaching the same thing twice gives the same digest: when that manifest is already
// in the repository and listed as a referrer, Attach uploads nothing and returns
// uploaded false. When it is there but not listed (on a registry without the referrers
// API, an earlier push stopped between writing the manifest and updating the referrers
// tag), it is put again, which repairs the tag.
//
// The referrers list is kept up to date by go-containerregistry (v0.22.1, remote's
// writer.commitManifest, used by remote.Put and remote.Write): after it PUTs a manifest
// with a subject it does not look at the OCI-Subject response header but probes
// GET /v2/<repo>/referrers/<subject digest>; on 200 the registry keeps the list, on 404
// or 400 it read-modify-writes the "sha256-<hex>" fallback tag (an OCI image index of
// the referrers with their artifactType and annotations, sorted by digest, existing
// entries kept, no write when the entry is there). That update is not atomic:
// concurrent attachments to one subject on such a registry can lose one another's
// entry (Attach again to repair).
func Attach(ctx context.Context, subject name.Digest, artifactType, mediaType string, data []byte, annotations map[string]string, opts ...remote.Option) (desc v1.Descriptor, uploaded bool, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("attach %s to %s: %w", artifactType, subject, err)
		}
	}()
	for _, mt := range []string{artifactType, mediaType} {
		typ, sub, _ := strings.Cut(mt, "/")
		if t, _, err := mime.ParseMediaType(mt); err != nil || t != mt || typ == "" || sub == "" {
			return desc, false, fmt.Errorf("bad media type %q", mt)
		}
	}
	if len(data) == 0 {
		return desc, false, errors.New("no data")
	}
	if _, err := time.Parse(time.RFC3339, annotations[AnnotationCreated]); err != nil {
		return desc, false, fmt.Errorf("annotation %s must be the kit's created time (RFC 3339), got %q", AnnotationCreated, annotations[AnnotationCreated])
	}
	opts = append(opts[:len(opts):len(opts)], remote.WithContext(ctx))

	sub, err := subjectDescriptor(subject, opts)
	if err != nil {
		return desc, false, err
	}
	config := static.NewLayer([]byte(emptyJSON), types.OCIEmptyJSON)
	layer := static.NewLayer(data, types.MediaType(mediaType))
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        emptyDescriptor(),
		Layers:        []v1.Descriptor{{MediaType: types.MediaType(mediaType), Size: int64(len(data))}},
		Subject:       &sub,
		Annotations:   copyMap(annotations),
	}
	if m.Layers[0].Digest, err = layer.Digest(); err != nil {
		return desc, false, err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return desc, false, fmt.Errorf("encode artifact manifest: %w", err)
	}
	d, size, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return desc, false, err
	}
	desc = v1.Descriptor{MediaType: m.MediaType, Size: size, Digest: d, ArtifactType: artifactType, Annotations: copyMap(annotations)}
	ref := subject.Context().Digest(d.String())
	artifact := rawManifest{raw: raw, mediaType: m.MediaType}

	exists, err := manifestExists(ref, opts)
	if err != nil {
		return desc, false, err
	}
	if exists {
		listed, err := isReferrer(subject, d, opts)
		if err != nil || listed {
			return desc, false, err
		}
		if err := remote.Put(ref, artifact, opts...); err != nil {
			return desc, false, fmt.Errorf("put artifact manifest again to list it: %w", err)
		}
		return desc, true, nil
	}
	for _, l := range []v1.Layer{config, layer} {
		if err := remote.WriteLayer(subject.Context(), l, opts...); err != nil {
			return desc, false, fmt.Errorf("upload blob: %w", err)
		}
	}
	if err := remote.Put(ref, artifact, opts...); err != nil {
		return desc, false, fmt.Errorf("put artifact manifest: %w", err)
	}
	return desc, true, nil
}

// subjectDescriptor is the subject's descriptor as a manifest refers to it: media
// type, digest and size, nothing else.
func subjectDescriptor(subject name.Digest, opts []remote.Option) (v1.Descriptor, error) {
	d, err := remote.Head(subject, opts...)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("subject: %w", err)
	}
	if d.MediaType == "" { // some registries answer HEAD without a Content-Type
		g, err := remote.Get(subject, opts...)
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("subject: %w", err)
		}
		d = &g.Descriptor
	}
	if d.Digest.String() != subject.DigestStr() {
		return v1.Descriptor{}, fmt.Errorf("subject: registry answered with digest %s", d.Digest)
	}
	return v1.Descriptor{MediaType: d.MediaType, Size: d.Size, Digest: d.Digest}, nil
}

// emptyDescriptor is the OCI empty descriptor, with its data inline.
func emptyDescriptor() v1.Descriptor {
	d, size, _ := v1.SHA256(bytes.NewReader([]byte(emptyJSON)))
	return v1.Descriptor{MediaType: types.OCIEmptyJSON, Size: size, Digest: d, Data: []byte(emptyJSON)}
}

// manifestExists asks the registry for ref (a manifest digest) with a HEAD request.
func manifestExists(ref name.Digest, opts []remote.Option) (bool, error) {
	d, err := remote.Head(ref, opts...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look for artifact manifest %s: %w", ref.DigestStr(), err)
	}
	return d.Digest.String() == ref.DigestStr(), nil
}

// isReferrer reports whether the referrers of subject include the manifest d.
func isReferrer(subject name.Digest, d v1.Hash, opts []remote.Option) (bool, error) {
	idx, err := remote.Referrers(subject, opts...)
	if err != nil {
		return false, fmt.Errorf("list referrers: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return false, fmt.Errorf("list referrers: %w", err)
	}
	for _, m := range im.Manifests {
		if m.Digest == d {
			return true, nil
		}
	}
	return false, nil
}

// rawManifest is a manifest to PUT as it is.
type rawManifest struct {
	raw       []byte
	mediaType types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mediaType, nil }

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
