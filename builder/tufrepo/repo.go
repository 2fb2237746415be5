package tufrepo

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// MetadataDir and TargetsDir are the two folders of a repository directory.
const (
	MetadataDir = "metadata"
	TargetsDir  = "targets"
)

// repo is a repository's current metadata, read from its directory.
type repo struct {
	dir        string
	root       *metadata.Metadata[metadata.RootType]
	targets    *metadata.Metadata[metadata.TargetsType]
	snapshot   *metadata.Metadata[metadata.SnapshotType]
	timestamp  *metadata.Metadata[metadata.TimestampType]
	targetsRaw []byte // the bytes of the current N.targets.json
}

func (r *repo) metaPath(name string) string { return filepath.Join(r.dir, MetadataDir, name) }

// openRepo reads the newest root, then timestamp.json and the snapshot and targets it names.
func openRepo(dir string) (*repo, error) {
	r := &repo{dir: dir}
	v, err := latestRootVersion(filepath.Join(dir, MetadataDir))
	if err != nil {
		return nil, err
	}
	if r.root, err = metadata.Root().FromFile(r.metaPath(fmt.Sprintf("%d.root.json", v))); err != nil {
		return nil, fmt.Errorf("read %d.root.json: %w", v, err)
	}
	if r.timestamp, err = metadata.Timestamp().FromFile(r.metaPath("timestamp.json")); err != nil {
		return nil, fmt.Errorf("read timestamp.json: %w", err)
	}
	sm, ok := r.timestamp.Signed.Meta["snapshot.json"]
	if !ok {
		return nil, fmt.Errorf("timestamp.json names no snapshot.json")
	}
	if r.snapshot, err = metadata.Snapshot().FromFile(r.metaPath(fmt.Sprintf("%d.snapshot.json", sm.Version))); err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	tm, ok := r.snapshot.Signed.Meta["targets.json"]
	if !ok {
		return nil, fmt.Errorf("%d.snapshot.json names no targets.json", sm.Version)
	}
	if r.targetsRaw, err = os.ReadFile(r.metaPath(fmt.Sprintf("%d.targets.json", tm.Version))); err != nil {
		return nil, fmt.Errorf("read targets: %w", err)
	}
	if r.targets, err = metadata.Targets().FromBytes(r.targetsRaw); err != nil {
		return nil, fmt.Errorf("read %d.targets.json: %w", tm.Version, err)
	}
	return r, nil
}

// latestRootVersion is the highest N of the N.root.json files in dir.
func latestRootVersion(dir string) (int64, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("no repository (%s is missing); fix: make one with `kitbash repo create`", dir)
	}
	if err != nil {
		return 0, err
	}
	var best int64
	for _, e := range ents {
		n, ok := strings.CutSuffix(e.Name(), ".root.json")
		if !ok {
			continue
		}
		if v, err := strconv.ParseInt(n, 10, 64); err == nil && v > best {
			best = v
		}
	}
	if best == 0 {
		return 0, fmt.Errorf("no N.root.json in %s; fix: make a repository with `kitbash repo create`", dir)
	}
	return best, nil
}

// signMeta replaces m's signatures with one per signer (each key once).
func signMeta[T metadata.Roles](m *metadata.Metadata[T], signers ...[]Signer) error {
	m.ClearSignatures()
	seen := map[string]bool{}
	for _, group := range signers {
		for _, s := range group {
			_, id, err := keyOf(s)
			if err != nil {
				return err
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, err := m.Sign(tufSigner{s}); err != nil {
				return fmt.Errorf("sign with key %s: %w", id, err)
			}
		}
	}
	return nil
}

// encode is the file form of a metadata file.
func encode[T metadata.Roles](m *metadata.Metadata[T]) ([]byte, error) {
	b, err := m.ToBytes(true)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func metaFile(version int64, b []byte) *metadata.MetaFiles {
	sum := sha256.Sum256(b)
	return &metadata.MetaFiles{Version: version, Length: int64(len(b)), Hashes: metadata.Hashes{"sha256": sum[:]}}
}

// writeRoot signs root with the given signer groups, checks it against verifiers (the
// roots that must accept it) and writes N.root.json and root.json.
func (r *repo) writeRoot(verifiers []*metadata.Metadata[metadata.RootType], signers ...[]Signer) error {
	if err := signMeta(r.root, signers...); err != nil {
		return fmt.Errorf("root: %w", err)
	}
	for _, v := range append(verifiers, r.root) {
		if err := v.VerifyDelegate(metadata.ROOT, r.root); err != nil {
			return fmt.Errorf("root version %d not trusted by root version %d: %w", r.root.Signed.Version, v.Signed.Version, err)
		}
	}
	b, err := encode(r.root)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(r.dir, MetadataDir), 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(r.metaPath(fmt.Sprintf("%d.root.json", r.root.Signed.Version)), b, 0o644); err != nil {
		return err
	}
	return writeFileAtomic(r.metaPath("root.json"), b, 0o644)
}

// publish signs and writes, in order: targets (when bumpTargets), a new snapshot and a
// new timestamp, with expiry dates from now.
func (r *repo) publish(keys *Keys, now time.Time, p ExpiryPolicy, bumpTargets bool) error {
	if bumpTargets {
		r.targets.Signed.Version++
		r.targets.Signed.Expires = now.Add(p.Targets)
		ts, err := keys.signers(metadata.TARGETS)
		if err != nil {
			return err
		}
		if err := r.signVerified(metadata.TARGETS, r.targets, ts); err != nil {
			return err
		}
		b, err := encode(r.targets)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(r.metaPath(fmt.Sprintf("%d.targets.json", r.targets.Signed.Version)), b, 0o644); err != nil {
			return err
		}
		r.targetsRaw = b
	}

	r.snapshot.Signed.Version++
	r.snapshot.Signed.Expires = now.Add(p.Snapshot)
	r.snapshot.Signed.Meta = map[string]*metadata.MetaFiles{"targets.json": metaFile(r.targets.Signed.Version, r.targetsRaw)}
	ss, err := keys.signers(metadata.SNAPSHOT)
	if err != nil {
		return err
	}
	if err := r.signVerified(metadata.SNAPSHOT, r.snapshot, ss); err != nil {
		return err
	}
	sb, err := encode(r.snapshot)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(r.metaPath(fmt.Sprintf("%d.snapshot.json", r.snapshot.Signed.Version)), sb, 0o644); err != nil {
		return err
	}

	r.timestamp.Signed.Version++
	r.timestamp.Signed.Expires = now.Add(p.Timestamp)
	r.timestamp.Signed.Meta = map[string]*metadata.MetaFiles{"snapshot.json": metaFile(r.snapshot.Signed.Version, sb)}
	tss, err := keys.signers(metadata.TIMESTAMP)
	if err != nil {
		return err
	}
	if err := r.signVerified(metadata.TIMESTAMP, r.timestamp, tss); err != nil {
		return err
	}
	tb, err := encode(r.timestamp)
	if err != nil {
		return err
	}
	return writeFileAtomic(r.metaPath("timestamp.json"), tb, 0o644)
}

// signVerified signs m and checks the repository's root accepts the signatures, so keys
// that do not match the root fail here and not on every client.
func (r *repo) signVerified(role string, m any, signers []Signer) error {
	var err error
	switch m := m.(type) {
	case *metadata.Metadata[metadata.TargetsType]:
		err = signMeta(m, signers)
	case *metadata.Metadata[metadata.SnapshotType]:
		err = signMeta(m, signers)
	case *metadata.Metadata[metadata.TimestampType]:
		err = signMeta(m, signers)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", role, err)
	}
	if err := r.root.VerifyDelegate(role, m); err != nil {
		return fmt.Errorf("%s: the keys do not satisfy the repository's root (%w); fix: pass the keys directory the repository was made with", role, err)
	}
	return nil
}
