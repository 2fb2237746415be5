package tufrepo

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Signer signs metadata with one key. FileSigner keeps the key in a file; a KMS or
// PKCS#11 signer only has to implement these two methods.
type Signer interface {
	// Public is the key's public half: ed25519.PublicKey, *ecdsa.PublicKey (P-256) or
	// *rsa.PublicKey (RSASSA-PSS).
	Public() crypto.PublicKey
	// Sign signs payload, the canonical JSON of a metadata file's signed part, as the
	// key's TUF scheme requires.
	Sign(payload []byte) ([]byte, error)
}

// FileSigner is an ed25519 key read from a PKCS#8 PEM file.
type FileSigner struct {
	key ed25519.PrivateKey
}

// LoadFileSigner reads an ed25519 private key in PKCS#8 PEM ("PRIVATE KEY").
func LoadFileSigner(path string) (*FileSigner, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing key %s: no PEM PRIVATE KEY block; fix: make keys with `kitbash repo keys`", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	ed, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: %T, want ed25519", path, k)
	}
	return &FileSigner{key: ed}, nil
}

// Public returns the ed25519 public key.
func (s *FileSigner) Public() crypto.PublicKey { return s.key.Public() }

// Sign signs payload with ed25519 (deterministic).
func (s *FileSigner) Sign(payload []byte) ([]byte, error) {
	return ed25519.Sign(s.key, payload), nil
}

// tufSigner adapts a Signer to the sigstore interface go-tuf's Metadata.Sign takes.
type tufSigner struct{ s Signer }

func (t tufSigner) PublicKey(...signature.PublicKeyOption) (crypto.PublicKey, error) {
	return t.s.Public(), nil
}

func (t tufSigner) SignMessage(r io.Reader, _ ...signature.SignOption) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return t.s.Sign(b)
}

var _ signature.Signer = tufSigner{}

// keyOf is the TUF key of a signer and its key id.
func keyOf(s Signer) (*metadata.Key, string, error) {
	k, err := metadata.KeyFromPublicKey(s.Public())
	if err != nil {
		return nil, "", err
	}
	id, err := k.ID()
	return k, id, err
}

// encodePrivate and encodePublic are the PEM file forms of an ed25519 key.
func encodePrivate(k ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return b.Bytes(), err
}

func encodePublic(k crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = pem.Encode(&b, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return b.Bytes(), err
}

func readPublic(path string) (crypto.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%s: no PEM PUBLIC KEY block", path)
	}
	return x509.ParsePKIXPublicKey(blk.Bytes)
}
