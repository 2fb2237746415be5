package assemble

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/kitbash-dev/kitbash/builder/image/verity"
	"github.com/kitbash-dev/kitbash/builder/variant"
)

// buildID identifies an image's content before it is assembled: the variant
// definition, the version and every package's files digest, in order.
func buildID(in Input) (string, error) {
	doc, err := contentDoc(in)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])[:12], nil
}

// contentDoc is what buildID digests: the variant, the version, the packages, the
// update root and the migrations.
func contentDoc(in Input) ([]byte, error) {
	type pkgID struct{ Name, Version, Files string }
	var pkgs []pkgID
	for _, p := range in.Packages {
		pkgs = append(pkgs, pkgID{p.Manifest.Name, fmt.Sprintf("%s-%d", p.Manifest.Version, p.Manifest.Release), p.Manifest.Files.Digest})
	}
	root := sha256.Sum256(in.UpdateRoot)
	var migrations []string
	for _, m := range variant.MigrationsUpTo(in.Migrations, in.Version) {
		sum := sha256.Sum256(m.Data)
		migrations = append(migrations, m.Version+" "+hex.EncodeToString(sum[:]))
	}
	b, err := json.Marshal(struct {
		Variant    any
		Version    string
		Packages   []pkgID
		UpdateRoot string
		Migrations []string `json:",omitempty"`
	}{in.Variant, in.Version, pkgs, hex.EncodeToString(root[:]), migrations})
	if err != nil {
		return nil, fmt.Errorf("build id: %w", err)
	}
	return b, nil
}

// inputsDigest identifies everything an image's bytes depend on: what buildID covers
// (in full, not its first 12 digits), the SDK the tools run in, SOURCE_DATE_EPOCH,
// whether a qcow2 copy is asked for, and the kitbash that assembles it (WithTool). An
// image directory whose stamp records the same digest needs no rebuild (Current).
func inputsDigest(in Input, cfg config) (string, error) {
	doc, err := contentDoc(in)
	if err != nil {
		return "", err
	}
	content := sha256.Sum256(doc)
	b, err := json.Marshal(struct {
		Content string
		SDK     string
		Epoch   int64
		QCOW2   bool
		Tool    string
	}{hex.EncodeToString(content[:]), in.SDK, cfg.epoch.Unix(), cfg.qcow2, cfg.tool})
	if err != nil {
		return "", fmt.Errorf("image inputs digest: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// ids are the derived identifiers of one image.
type ids struct {
	// disk names the GPT identity: the variant, so every version's partitions have
	// the same GUIDs and an update can name them.
	disk string
	// image names this build: variant, version and root file system digest.
	image       string
	rootUUID    string // erofs UUID
	privUUID    string // PRIVATE ext4 UUID (also its hash seed)
	espVolumeID string // FAT volume id, 8 hex digits
	salt        []byte // verity salt
}

func deriveIDs(variantName, version, rootfsDigest string) ids {
	img := fmt.Sprintf("kitbash-image/%s/%s/%s", variantName, version, rootfsDigest)
	vol := sha256.Sum256([]byte(img + "/esp"))
	return ids{
		disk:        "kitbash-disk/" + variantName,
		image:       img,
		rootUUID:    verity.FormatUUID(verity.DeriveUUID(img + "/root")),
		privUUID:    verity.FormatUUID(verity.DeriveUUID(img + "/private")),
		espVolumeID: hex.EncodeToString(vol[:4]),
		salt:        verity.DeriveSalt(img + "/verity"),
	}
}
