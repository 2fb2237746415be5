package tufrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// targetFile is where a target's content lives: targets/<sha256>.<name>.
func (r *repo) targetFile(name string, sha string) string {
	return filepath.Join(r.dir, TargetsDir, sha+"."+name)
}

// putTarget copies src into the repository as target name and lists it in targets.
// It refuses to change the content of a name already listed. It reports whether the
// targets metadata changed.
func (r *repo) putTarget(name, src, wantSha string) (bool, error) {
	if strings.ContainsAny(name, "/\\") || name == "" || strings.HasPrefix(name, ".") {
		return false, fmt.Errorf("target name %q: fix: use a plain file name", name)
	}
	sha, size, err := hashFile(src)
	if err != nil {
		return false, err
	}
	if wantSha != "" && !strings.EqualFold(wantSha, sha) {
		return false, fmt.Errorf("%s: sha256 %s, image.json says %s; fix: rebuild the image", src, sha, wantSha)
	}
	sum, _ := hex.DecodeString(sha)
	tf := &metadata.TargetFiles{Length: size, Hashes: metadata.Hashes{"sha256": sum}, Path: name}
	if old, ok := r.targets.Signed.Targets[name]; ok {
		if old.Length == tf.Length && old.Hashes.Equal(tf.Hashes) {
			return false, copyFileAtomic(src, r.targetFile(name, sha), size)
		}
		return false, fmt.Errorf("target %s is already published with other content; fix: publish a new version instead of changing a published one", name)
	}
	if err := copyFileAtomic(src, r.targetFile(name, sha), size); err != nil {
		return false, err
	}
	r.targets.Signed.Targets[name] = tf
	return true, nil
}

// putManifest stores m as the manifest.json target (replacing the previous one). It
// reports whether the content changed.
func (r *repo) putManifest(m *Manifest) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	sha := hex.EncodeToString(sum[:])
	if err := writeFileAtomic(r.targetFile(ManifestName, sha), b, 0o644); err != nil {
		return err
	}
	r.targets.Signed.Targets[ManifestName] = &metadata.TargetFiles{Length: int64(len(b)), Hashes: metadata.Hashes{"sha256": sum[:]}, Path: ManifestName}
	return nil
}

// manifest reads the manifest.json target, checked against its listed hash; an empty
// manifest when none is listed.
func (r *repo) manifest() (*Manifest, error) {
	tf, ok := r.targets.Signed.Targets[ManifestName]
	if !ok {
		return emptyManifest(), nil
	}
	sum := tf.Hashes["sha256"]
	b, err := os.ReadFile(r.targetFile(ManifestName, hex.EncodeToString(sum)))
	if err != nil {
		return nil, fmt.Errorf("read manifest.json: %w", err)
	}
	if err := tf.VerifyLengthHashes(b); err != nil {
		return nil, fmt.Errorf("manifest.json in %s does not match targets metadata: %w", TargetsDir, err)
	}
	return ParseManifest(b)
}
