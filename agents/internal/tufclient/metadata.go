package tufclient

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
)

// The top-level roles.
const (
	roleRoot      = "root"
	roleTimestamp = "timestamp"
	roleSnapshot  = "snapshot"
	roleTargets   = "targets"
)

// envelope is a metadata file: the signed part kept raw, and its signatures.
type envelope struct {
	Signed     json.RawMessage `json:"signed"`
	Signatures []signature     `json:"signatures"`
}

type signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// common are the fields every role's "signed" holds.
type common struct {
	Type        string `json:"_type"`
	SpecVersion string `json:"spec_version"`
	Version     int64  `json:"version"`
	Expires     string `json:"expires"`
}

type key struct {
	KeyType string `json:"keytype"`
	Scheme  string `json:"scheme"`
	KeyVal  struct {
		Public string `json:"public"`
	} `json:"keyval"`
}

type role struct {
	KeyIDs    []string `json:"keyids"`
	Threshold int      `json:"threshold"`
}

type rootSigned struct {
	common
	ConsistentSnapshot bool            `json:"consistent_snapshot"`
	Keys               map[string]key  `json:"keys"`
	Roles              map[string]role `json:"roles"`
}

// metaFile is an entry of timestamp's or snapshot's "meta".
type metaFile struct {
	Version int64             `json:"version"`
	Length  *int64            `json:"length,omitempty"`
	Hashes  map[string]string `json:"hashes,omitempty"`
}

type timestampSigned struct {
	common
	Meta map[string]metaFile `json:"meta"`
}

type snapshotSigned struct {
	common
	Meta map[string]metaFile `json:"meta"`
}

type targetFile struct {
	Length int64             `json:"length"`
	Hashes map[string]string `json:"hashes"`
	Custom json.RawMessage   `json:"custom,omitempty"`
}

type targetsSigned struct {
	common
	Targets map[string]targetFile `json:"targets"`
}

// parsed is one decoded metadata file: its raw bytes (as fetched or cached), the signed
// part decoded and in canonical form, and its signatures.
type parsed[T any] struct {
	raw     []byte
	signed  T
	version int64
	expires time.Time
	env     envelope
	canon   []byte
}

// verify checks that a threshold of the keys root gives roleName signed p.
func (p *parsed[T]) verify(root *rootSigned, roleName string) error {
	return verifyRole(root, roleName, &p.env, p.canon)
}

// parseMeta splits a metadata file and decodes its signed part, checking _type,
// spec_version, version and expires. It checks no signature.
func parseMeta[T any](b []byte, wantType string, base func(*T) *common) (*parsed[T], error) {
	p := &parsed[T]{raw: b}
	if err := decodeJSON(b, &p.env); err != nil {
		return nil, fmt.Errorf("not TUF metadata: %w", err)
	}
	if len(p.env.Signed) == 0 || string(p.env.Signed) == "null" {
		return nil, fmt.Errorf("not TUF metadata: no \"signed\"")
	}
	var err error
	if p.canon, err = canonicalize(p.env.Signed); err != nil {
		return nil, fmt.Errorf("signed: %w", err)
	}
	if err := decodeJSON(p.env.Signed, &p.signed); err != nil {
		return nil, fmt.Errorf("signed: %w", err)
	}
	c := base(&p.signed)
	if c.Type != wantType {
		return nil, fmt.Errorf("_type %q, want %q", c.Type, wantType)
	}
	if err := checkSpecVersion(c.SpecVersion); err != nil {
		return nil, err
	}
	if c.Version < 1 {
		return nil, fmt.Errorf("version %d: want 1 or more", c.Version)
	}
	exp, err := time.Parse(time.RFC3339, c.Expires)
	if err != nil {
		return nil, fmt.Errorf("expires %q: want RFC 3339", c.Expires)
	}
	p.version, p.expires = c.Version, exp.UTC()
	return p, nil
}

func parseRoot(b []byte) (*parsed[rootSigned], error) {
	p, err := parseMeta(b, roleRoot, func(s *rootSigned) *common { return &s.common })
	if err != nil {
		return nil, err
	}
	if err := checkRoot(&p.signed); err != nil {
		return nil, err
	}
	return p, nil
}

func parseTimestamp(b []byte) (*parsed[timestampSigned], error) {
	return parseMeta(b, roleTimestamp, func(s *timestampSigned) *common { return &s.common })
}

func parseSnapshot(b []byte) (*parsed[snapshotSigned], error) {
	return parseMeta(b, roleSnapshot, func(s *snapshotSigned) *common { return &s.common })
}

func parseTargets(b []byte) (*parsed[targetsSigned], error) {
	p, err := parseMeta(b, roleTargets, func(s *targetsSigned) *common { return &s.common })
	if err != nil {
		return nil, err
	}
	for name, t := range p.signed.Targets {
		if t.Length < 0 {
			return nil, fmt.Errorf("target %s: length %d", name, t.Length)
		}
	}
	return p, nil
}

// checkSpecVersion accepts TUF specification 1.x.
func checkSpecVersion(v string) error {
	major, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(major); err != nil || n != 1 {
		return fmt.Errorf("spec_version %q: this client reads 1.x", v)
	}
	return nil
}

// verifyRole checks that a threshold of the keys root gives roleName signed canon.
// Each key id counts once; only ed25519 keys can count.
func verifyRole(root *rootSigned, roleName string, env *envelope, canon []byte) error {
	r, ok := root.Roles[roleName]
	if !ok {
		return fmt.Errorf("root version %d has no %s role", root.Version, roleName)
	}
	if r.Threshold < 1 {
		return fmt.Errorf("root version %d: %s threshold %d: want 1 or more", root.Version, roleName, r.Threshold)
	}
	valid := 0
	counted := map[string]bool{}
	for _, id := range r.KeyIDs {
		if counted[id] {
			continue
		}
		k, ok := root.Keys[id]
		if !ok {
			continue
		}
		pub, ok := k.ed25519()
		if !ok {
			continue
		}
		for _, s := range env.Signatures {
			if s.KeyID != id {
				continue
			}
			sig, err := hex.DecodeString(s.Sig)
			if err != nil || len(sig) != ed25519.SignatureSize {
				continue
			}
			if ed25519.Verify(pub, canon, sig) {
				counted[id] = true
				valid++
				break
			}
		}
	}
	if valid < r.Threshold {
		return fmt.Errorf("signed by %d of threshold %d trusted keys", valid, r.Threshold)
	}
	return nil
}

func (k key) ed25519() (ed25519.PublicKey, bool) {
	if k.KeyType != "ed25519" || k.Scheme != "ed25519" {
		return nil, false
	}
	b, err := hex.DecodeString(k.KeyVal.Public)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, false
	}
	return ed25519.PublicKey(b), true
}

// checkRoot checks the structure of a root: the four roles with thresholds of 1 or more.
func checkRoot(r *rootSigned) error {
	for _, name := range []string{roleRoot, roleTimestamp, roleSnapshot, roleTargets} {
		ro, ok := r.Roles[name]
		if !ok {
			return fmt.Errorf("no %s role", name)
		}
		if ro.Threshold < 1 {
			return fmt.Errorf("%s threshold %d: want 1 or more", name, ro.Threshold)
		}
	}
	return nil
}

// newHash returns a hash for a TUF hash algorithm name this client knows.
func newHash(alg string) (hash.Hash, bool) {
	switch alg {
	case "sha256":
		return sha256.New(), true
	case "sha512":
		return sha512.New(), true
	}
	return nil, false
}

// checkHashes compares sums (algorithm → digest) with want (algorithm → hex). Every
// known algorithm in want must match; at least one must be known. Unknown ones are
// ignored.
func checkHashes(want map[string]string, sums map[string][]byte) error {
	known := 0
	for alg, w := range want {
		got, ok := sums[alg]
		if !ok {
			continue
		}
		known++
		wb, err := hex.DecodeString(w)
		if err != nil {
			return fmt.Errorf("%s %q in metadata is not hex", alg, w)
		}
		if subtle.ConstantTimeCompare(wb, got) != 1 {
			return fmt.Errorf("%s mismatch (got %x, want %s)", alg, got, strings.ToLower(w))
		}
	}
	if known == 0 {
		return fmt.Errorf("no sha256 or sha512 hash listed")
	}
	return nil
}

// sumsOf hashes b with every known algorithm want lists.
func sumsOf(want map[string]string, b []byte) map[string][]byte {
	out := map[string][]byte{}
	for alg := range want {
		if h, ok := newHash(alg); ok {
			h.Write(b)
			out[alg] = h.Sum(nil)
		}
	}
	return out
}

// checkMetaFile checks raw against a meta entry's length and hashes, when listed.
func checkMetaFile(m metaFile, raw []byte) error {
	if m.Length != nil && int64(len(raw)) != *m.Length {
		return fmt.Errorf("length %d, listed %d", len(raw), *m.Length)
	}
	if len(m.Hashes) > 0 {
		if err := checkHashes(m.Hashes, sumsOf(m.Hashes, raw)); err != nil {
			return err
		}
	}
	return nil
}

func expired(exp, now time.Time) bool { return !now.Before(exp) }

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
