package rebuild

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kitbash-dev/kitbash/builder/attest"
	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/kitsrc"
	"github.com/kitbash-dev/kitbash/builder/sign"
)

// published is a kit as its registry has it, with what is attached to it.
type published struct {
	ref           name.Digest
	kit           *kit.Opened
	signedBy      string // the key id of a verified signature
	sources       []byte
	sourcesDigest string    // of the tar
	sbom          *sbomList // nil when no SBOM is attached
	sbomDigest    string    // of the SBOM referrer
}

// fetchPublished resolves ref, checks its signature (when keys are configured), opens
// the kit and reads its sources, SBOM and provenance.
func fetchPublished(ctx context.Context, ref name.Reference, cfg *config) (*published, error) {
	opts := append(cfg.remote[:len(cfg.remote):len(cfg.remote)], remote.WithContext(ctx))
	d, ok := ref.(name.Digest)
	if !ok {
		desc, err := remote.Head(ref, opts...)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", ref, err)
		}
		d = ref.Context().Digest(desc.Digest.String())
	}
	p := &published{ref: d}
	if len(cfg.verifiers) > 0 {
		sigs, err := sign.Verify(ctx, d, cfg.verifiers, sign.WithRemoteOptions(opts...))
		if err != nil {
			return nil, err
		}
		p.signedBy = sigs[0].KeyID
	}
	idx, err := remote.Index(d, opts...)
	if err != nil {
		return nil, fmt.Errorf("kit %s: %w", d, err)
	}
	if p.kit, err = kit.Open(idx, cfg.arch); err != nil {
		return nil, err
	}
	refs, err := attest.List(ctx, d, "", cfg.remote...)
	if err != nil {
		return nil, err
	}
	if err := p.readSources(ctx, refs, cfg); err != nil {
		return nil, err
	}
	for _, r := range refs {
		if r.ArtifactType != attest.SBOMArtifactType {
			continue
		}
		b, err := attest.Fetch(ctx, d.Context(), r.Digest, cfg.remote...)
		if err != nil {
			return nil, err
		}
		l, err := parseSBOM(b)
		if err != nil {
			return nil, fmt.Errorf("kit %s: %s: %w", d, r.Digest, err)
		}
		p.sbom, p.sbomDigest = &l, r.Digest
		break // one SBOM per kit; attest.List sorts, so the choice is stable
	}
	return p, nil
}

// readSources fetches the kit's sources tar. When the provenance records the sources'
// digest, the tar must be that one: attachments are not signed, and a provenance that
// names other sources means they were swapped.
func (p *published) readSources(ctx context.Context, refs []attest.Referrer, cfg *config) error {
	name := p.kit.Config.Name
	recorded := map[string]bool{}
	var candidates []attest.Referrer
	for _, r := range refs {
		switch r.ArtifactType {
		case kitsrc.ArtifactType:
			candidates = append(candidates, r)
		case attest.ProvenanceArtifactType:
			b, err := attest.Fetch(ctx, p.ref.Context(), r.Digest, cfg.remote...)
			if err != nil {
				return err
			}
			d, err := recordedSources(b, name)
			if err != nil {
				return fmt.Errorf("kit %s: %s: %w", p.ref, r.Digest, err)
			}
			if d != "" {
				recorded[d] = true
			}
		}
	}
	if len(candidates) == 0 {
		return fmt.Errorf("kit %s (%s %s) carries no sources (no %s referrer); fix: publish it again with this kitbash (kitbash publish kit %s --to %s), which attaches them",
			p.ref, name, p.kit.Config.Version, kitsrc.ArtifactType, name, p.ref.Context())
	}
	var seen []string
	for _, c := range candidates {
		b, err := attest.Fetch(ctx, p.ref.Context(), c.Digest, cfg.remote...)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		d := "sha256:" + hex.EncodeToString(sum[:])
		if len(recorded) == 0 || recorded[d] {
			p.sources, p.sourcesDigest = b, d
			return nil
		}
		seen = append(seen, d)
	}
	var want []string
	for d := range recorded {
		want = append(want, d)
	}
	sort.Strings(want)
	return fmt.Errorf("kit %s: the sources attached to it (%s) are not those its provenance records (%s); fix: publish the kit again, which attaches its sources and provenance together",
		p.ref, strings.Join(seen, ", "), strings.Join(want, ", "))
}
