package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/attest"
	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/kitsrc"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/regref"
	"github.com/kitbash-dev/kitbash/builder/sign"
)

// published is the result of `publish kit`.
type published struct {
	Kit         string      `json:"kit"`
	Version     string      `json:"version"`
	Ref         string      `json:"ref"` // REPO@sha256:...
	Tag         string      `json:"tag"`
	Uploaded    kit.Upload  `json:"uploaded"`
	Signed      string      `json:"signed"` // "new", "already", "unsigned"
	KeyID       string      `json:"keyId,omitempty"`
	Attachments []attachRef `json:"attachments"`
}

type attachRef struct {
	ArtifactType string `json:"artifactType"`
	Digest       string `json:"digest"`
	Uploaded     bool   `json:"uploaded"`
}

func newPublishKitCmd(g *globals) *cobra.Command {
	f := buildFlags{build: true}
	var to, keyFile, source, revision string
	var unsigned bool
	c := &cobra.Command{
		Use:   "kit NAME --to REGISTRY/REPO[:TAG]",
		Short: "Build a kit, push it, sign it and attach its SBOM, provenance and sources",
		Long: `Builds the kit (a no-op when it is up to date), pushes it to the repository (tag: the kit's
version unless --to names one; blobs the registry has are not sent again), signs its digest
with a cosign-compatible signature (key: --key or Kitbash.yaml signing.key; password from
$COSIGN_PASSWORD or the variable signing.password-env names, or a prompt) and attaches a
deterministic SPDX 2.3 SBOM, SLSA v1 provenance and the kit's sources (a deterministic tar
of Kitbash.yaml, Kitbash.lock, the kit spec and the spec folders and path sources of its
packages, which kitbash rebuild builds again) as OCI 1.1 referrers (or the referrers tag
where a registry has no referrers API). Publishing an unchanged kit again uploads no blob
and adds no signature. Auth comes from the Docker config and credential helpers.

Check it with: cosign verify --key KEY.pub --insecure-ignore-tlog REPO@DIGEST`,
		Example: "  kitbash publish kit core --to 127.0.0.1:5000/kitbash/core\n  kitbash publish kit core --to registry.example.org/me/kits/core:0.1.0 --key keys/me.key",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return fmt.Errorf("--to is required; fix: name the repository, e.g. --to 127.0.0.1:5000/kitbash/%s", args[0])
			}
			ctx := cmd.Context()
			l, err := g.project()
			if err != nil {
				return err
			}
			signer, keyID, err := g.loadSigner(l, keyFile, unsigned)
			if err != nil {
				return err
			}
			kits, store, err := g.buildKits(ctx, args, f, kitMeta{source: source, revision: revision})
			if err != nil {
				return err
			}
			k := kits[0]
			ref, err := regref.Parse(to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			if _, ok := ref.(name.Digest); ok {
				return fmt.Errorf("--to %s names a digest; fix: give a repository or a tag", to)
			}
			if !hasTag(to) { // go-containerregistry reads "latest" into a reference without one
				ref = ref.Context().Tag(k.Version)
			}
			sources, err := g.kitSources(ctx, k.Name, f.kitFlags, k)
			if err != nil {
				return err
			}
			res, err := publishKit(ctx, store, k, ref, signer, keyID, sources)
			if err != nil {
				return err
			}
			return g.emit(res, func() {
				fmt.Fprintf(g.stdout, "published %s %s as %s (tag %s)\n", res.Kit, res.Version, res.Ref, res.Tag)
				fmt.Fprintf(g.stdout, "  uploaded: %d blobs, %s\n", res.Uploaded.Blobs, humanBytes(res.Uploaded.Bytes))
				switch res.Signed {
				case "unsigned":
					fmt.Fprintln(g.stdout, "  signature: none (--unsigned): consumers must pass --allow-unsigned, and release builds refuse it")
				default:
					fmt.Fprintf(g.stdout, "  signature: %s (key %s)\n", res.Signed, res.KeyID)
				}
				for _, a := range res.Attachments {
					state := "already there"
					if a.Uploaded {
						state = "attached"
					}
					fmt.Fprintf(g.stdout, "  %s: %s (%s)\n", a.ArtifactType, a.Digest, state)
				}
			})
		},
	}
	fl := c.Flags()
	fl.StringVar(&to, "to", "", "registry repository, REGISTRY/REPO[:TAG] (tag default: the kit version)")
	fl.StringVar(&keyFile, "key", "", "cosign private key file (default: Kitbash.yaml signing.key)")
	fl.BoolVar(&unsigned, "unsigned", false, "publish without a signature (consumers then need --allow-unsigned)")
	fl.StringVar(&source, "source", "", "org.opencontainers.image.source: where the project's source lives (a URL)")
	fl.StringVar(&revision, "revision", "", "org.opencontainers.image.revision (default: the project's git HEAD)")
	fl.BoolVar(&f.release, "release", false, "release rules for the build: no network in build steps; only locked, signed, trusted kits")
	fl.BoolVar(&f.allowUnsigned, "allow-unsigned", false, "use external kits locked unsigned (local development only)")
	return c
}

func hasTag(ref string) bool {
	last := ref[strings.LastIndex(ref, "/")+1:]
	return strings.Contains(last, ":") && !strings.Contains(last, "@")
}

// loadSigner reads the signing key (--key, else Kitbash.yaml signing.key).
func (g *globals) loadSigner(l *project.Loaded, keyFile string, unsigned bool) (*sign.Signer, string, error) {
	if unsigned {
		if keyFile != "" {
			return nil, "", fmt.Errorf("--unsigned and --key contradict each other; fix: drop one")
		}
		return nil, "", nil
	}
	envName := ""
	if keyFile == "" && l.Project.Signing != nil {
		keyFile = filepath.Join(l.Dir, l.Project.Signing.Key)
		envName = l.Project.Signing.PasswordEnv
	}
	if keyFile == "" {
		return nil, "", fmt.Errorf("no signing key; fix: pass --key FILE, set signing: key: in %s (kitbash kit keygen makes one), or pass --unsigned", project.FileName)
	}
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, "", fmt.Errorf("signing key: %w", err)
	}
	pw, err := g.password(envName, keyFile)
	if err != nil {
		return nil, "", err
	}
	s, err := sign.LoadPrivateKey(pem, pw)
	if err != nil {
		if envName == "" {
			envName = defaultPasswordEnv
		}
		return nil, "", fmt.Errorf("signing key %s: %w; fix: set %s to its password", keyFile, err, envName)
	}
	return s, s.KeyID(), nil
}

// publishKit pushes, signs, and attaches the SBOM, the provenance and the kit's sources
// tar (kitSources).
func publishKit(ctx context.Context, store *ocistore.Store, k builtKit, ref name.Reference, signer *sign.Signer, keyID string, sources []byte) (published, error) {
	d, up, err := kit.Push(ctx, store, k.Digest, ref)
	if err != nil {
		return published{}, err
	}
	res := published{Kit: k.Name, Version: k.Version, Ref: d.String(), Tag: ref.Identifier(), Uploaded: up, Signed: "unsigned"}
	if signer != nil {
		signed, err := sign.Sign(ctx, d, signer, sign.WithRemoteOptions(kit.RemoteOptions(ctx)...))
		if err != nil {
			return published{}, fmt.Errorf("sign %s: %w", d, err)
		}
		res.Signed, res.KeyID = "already", keyID
		if signed {
			res.Signed = "new"
		}
	}
	sbom, err := attest.SPDX(attest.SBOMInput{Kit: k.config, Digest: k.Digest, Repo: d.Context().String()})
	if err != nil {
		return published{}, err
	}
	prov, err := attest.Provenance(provenanceInput(k, d, sha256Digest(sources)))
	if err != nil {
		return published{}, err
	}
	ann := map[string]string{attest.AnnotationCreated: k.config.Created}
	for _, a := range []struct {
		artifactType, mediaType string
		data                    []byte
	}{
		{attest.SBOMArtifactType, "application/spdx+json", sbom},
		{attest.ProvenanceArtifactType, "application/vnd.in-toto+json", prov},
		{kitsrc.ArtifactType, kitsrc.ArtifactType, sources},
	} {
		desc, uploaded, err := attest.Attach(ctx, d, a.artifactType, a.mediaType, a.data, ann, kit.RemoteOptions(ctx)...)
		if err != nil {
			return published{}, fmt.Errorf("attach %s to %s: %w", a.artifactType, d, err)
		}
		res.Attachments = append(res.Attachments, attachRef{ArtifactType: a.artifactType, Digest: desc.Digest.String(), Uploaded: uploaded})
	}
	return res, nil
}

// provenanceInput records the kit's build: its SDK, each package's spec and sources, and
// the digest of the sources tar attached to it.
func provenanceInput(k builtKit, d name.Digest, sourcesDigest string) attest.ProvenanceInput {
	in := attest.ProvenanceInput{Kit: k.config, Digest: k.Digest, Name: d.Context().String(), BuilderID: builderID(),
		Parameters: map[string]string{"kit": k.Name, "version": k.Version}}
	if k.config.Source != "" {
		in.Parameters["source"] = k.config.Source
	}
	if k.config.Revision != "" {
		in.Parameters["revision"] = k.config.Revision
	}
	add := func(uri, digest string) {
		if ds, err := attest.DigestSet(digest); err == nil {
			in.Dependencies = append(in.Dependencies, attest.Dependency{URI: uri, Digest: ds})
		}
	}
	add("oci:sdk", k.config.SDK)
	add(kitsrc.DependencyPrefix+k.Name, sourcesDigest)
	for _, p := range k.config.Packages {
		add("spec:"+p.Name, p.SpecDigest)
		for _, s := range p.Sources {
			add(s.Kind+":"+s.Name, s.Digest)
		}
	}
	sort.Slice(in.Dependencies, func(i, j int) bool { return in.Dependencies[i].URI < in.Dependencies[j].URI })
	return in
}

// builderID names this kitbash build.
func builderID() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return "https://github.com/kitbash-dev/kitbash@" + v
}
