package tufrepo

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// KeysIndex is the file in a keys directory that lists the keys of each role.
const KeysIndex = "keys.json"

// topRoles are the four top-level TUF roles, in signing order.
func topRoles() []string { return []string{"root", "targets", "snapshot", "timestamp"} }

// keyIndex is keys.json.
type keyIndex struct {
	Schema int                  `json:"schema"`
	Roles  map[string]indexRole `json:"roles"`
}

type indexRole struct {
	Threshold int        `json:"threshold"`
	Keys      []indexKey `json:"keys"`
}

type indexKey struct {
	ID      string `json:"id"`      // TUF key id
	Public  string `json:"public"`  // PEM file, relative to the keys directory
	Private string `json:"private"` // PEM file, relative to the keys directory; may be absent (offline)
}

// Keys are the keys of the four roles: public keys for the root metadata, and signers for
// those whose private half is at hand.
type Keys struct {
	Roles map[string]*RoleKeys
}

// RoleKeys are one role's keys.
type RoleKeys struct {
	Threshold int
	// Keys are the public keys in index order; IDs their TUF key ids.
	Keys []*metadata.Key
	IDs  []string
	// Signers are the keys that can sign, in index order.
	Signers []Signer
}

// GeneratedKey is one key GenerateKeys wrote.
type GeneratedKey struct {
	Role    string `json:"role"`
	ID      string `json:"id"`
	Private string `json:"private"`
	Public  string `json:"public"`
}

// GenerateKeys writes new ed25519 keys into dir: root keys (WithRootKeys of them, signing
// threshold WithRootThreshold) separate from one publication key per role for targets,
// snapshot and timestamp; private keys mode 0600, and keys.json. It never overwrites a key.
func GenerateKeys(dir string, opts ...Option) ([]GeneratedKey, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("repo keys %s: %w", dir, err)
	}
	n := max(c.rootKeys, c.threshold)
	if c.rootKeys != 0 && c.rootKeys < c.threshold {
		return nil, fmt.Errorf("repo keys %s: %d root keys cannot meet threshold %d; fix: make at least as many keys as the threshold", dir, c.rootKeys, c.threshold)
	}
	if _, err := os.Stat(filepath.Join(dir, KeysIndex)); err == nil {
		return nil, fmt.Errorf("repo keys %s: %s exists; fix: choose an empty directory (kitbash never overwrites keys)", dir, KeysIndex)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("repo keys %s: %w", dir, err)
	}
	idx := keyIndex{Schema: 1, Roles: map[string]indexRole{}}
	var out []GeneratedKey
	for _, role := range topRoles() {
		count, threshold := 1, 1
		if role == "root" {
			count, threshold = n, c.threshold
		}
		ir := indexRole{Threshold: threshold}
		for i := 1; i <= count; i++ {
			base := role
			if role == "root" {
				base = fmt.Sprintf("root-%d", i)
			}
			k, err := writeKeyPair(dir, base)
			if err != nil {
				return nil, fmt.Errorf("repo keys %s: %w", dir, err)
			}
			ir.Keys = append(ir.Keys, k)
			out = append(out, GeneratedKey{Role: role, ID: k.ID, Private: filepath.Join(dir, k.Private), Public: filepath.Join(dir, k.Public)})
		}
		idx.Roles[role] = ir
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("repo keys %s: %w", dir, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, KeysIndex), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("repo keys %s: %w", dir, err)
	}
	return out, nil
}

func writeKeyPair(dir, base string) (indexKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return indexKey{}, err
	}
	privPEM, err := encodePrivate(priv)
	if err != nil {
		return indexKey{}, err
	}
	pubPEM, err := encodePublic(pub)
	if err != nil {
		return indexKey{}, err
	}
	k, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		return indexKey{}, err
	}
	id, err := k.ID()
	if err != nil {
		return indexKey{}, err
	}
	ik := indexKey{ID: id, Public: base + ".pub", Private: base + ".key"}
	if err := writeNew(filepath.Join(dir, ik.Private), privPEM, 0o600); err != nil {
		return indexKey{}, err
	}
	if err := writeNew(filepath.Join(dir, ik.Public), pubPEM, 0o644); err != nil {
		return indexKey{}, err
	}
	return ik, nil
}

// writeNew creates path, failing if it exists.
func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LoadKeys reads dir/keys.json, every public key it names and the private keys present.
func LoadKeys(dir string) (*Keys, error) {
	p := filepath.Join(dir, KeysIndex)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("keys %s: %w; fix: make keys with `kitbash repo keys %s`", dir, err, dir)
	}
	var idx keyIndex
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("keys %s: %w", p, err)
	}
	if idx.Schema != 1 {
		return nil, fmt.Errorf("keys %s: schema %d, this kitbash reads 1", p, idx.Schema)
	}
	ks := &Keys{Roles: map[string]*RoleKeys{}}
	for _, role := range topRoles() {
		ir, ok := idx.Roles[role]
		if !ok || len(ir.Keys) == 0 {
			return nil, fmt.Errorf("keys %s: no %s keys", p, role)
		}
		if ir.Threshold < 1 || ir.Threshold > len(ir.Keys) {
			return nil, fmt.Errorf("keys %s: %s threshold %d with %d keys", p, role, ir.Threshold, len(ir.Keys))
		}
		rk := &RoleKeys{Threshold: ir.Threshold}
		for _, k := range ir.Keys {
			pub, err := readPublic(filepath.Join(dir, k.Public))
			if err != nil {
				return nil, fmt.Errorf("keys %s: %s key %s: %w", dir, role, k.ID, err)
			}
			tk, err := metadata.KeyFromPublicKey(pub)
			if err != nil {
				return nil, fmt.Errorf("keys %s: %s: %w", dir, k.Public, err)
			}
			id, err := tk.ID()
			if err != nil {
				return nil, err
			}
			if k.ID != "" && k.ID != id {
				return nil, fmt.Errorf("keys %s: %s has key id %s, %s says %s", dir, k.Public, id, KeysIndex, k.ID)
			}
			rk.Keys, rk.IDs = append(rk.Keys, tk), append(rk.IDs, id)
			if k.Private == "" {
				continue
			}
			s, err := LoadFileSigner(filepath.Join(dir, k.Private))
			if errors.Is(err, fs.ErrNotExist) {
				continue // offline key
			}
			if err != nil {
				return nil, fmt.Errorf("keys %s: %w", dir, err)
			}
			if _, sid, err := keyOf(s); err != nil || sid != id {
				return nil, fmt.Errorf("keys %s: %s does not match %s", dir, k.Private, k.Public)
			}
			rk.Signers = append(rk.Signers, s)
		}
		ks.Roles[role] = rk
	}
	return ks, nil
}

// signers returns the role's signers, failing when fewer than its threshold are at hand.
func (k *Keys) signers(role string) ([]Signer, error) {
	rk, ok := k.Roles[role]
	if !ok {
		return nil, fmt.Errorf("no %s keys", role)
	}
	if len(rk.Signers) < rk.Threshold {
		return nil, fmt.Errorf("%s needs %d signatures, %d private keys at hand; fix: put the %s private keys in the keys directory", role, rk.Threshold, len(rk.Signers), role)
	}
	return rk.Signers, nil
}
