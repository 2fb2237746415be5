package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// PEM block types of cosign's key files.
const (
	privateKeyPEMType       = "ENCRYPTED SIGSTORE PRIVATE KEY" // what cosign writes today
	legacyPrivateKeyPEMType = "ENCRYPTED COSIGN PRIVATE KEY"   // what older cosign wrote
	publicKeyPEMType        = "PUBLIC KEY"
)

// ErrWrongPassword is returned by LoadPrivateKey when the key does not decrypt.
var ErrWrongPassword = errors.New("decrypt private key: wrong password?")

// GenerateKeyPair makes an ECDSA P-256 key pair in cosign's file format, as
// `cosign generate-key-pair` does: the private key is PKCS #8, encrypted with password
// (scrypt + nacl/secretbox, go-securesystemslib's encrypted format); the public key is
// PKIX. An empty password is allowed.
func GenerateKeyPair(password []byte) (privatePEM, publicPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key pair: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key pair: encode private key: %w", err)
	}
	if password == nil {
		password = []byte{}
	}
	// scrypt N=2^15, r=8, p=1: the parameters every cosign version decrypts.
	enc, err := encrypted.EncryptWithCustomKDFParameters(der, password, encrypted.Legacy)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key pair: encrypt private key: %w", err)
	}
	publicPEM, err = marshalPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key pair: %w", err)
	}
	privatePEM = pem.EncodeToMemory(&pem.Block{Type: privateKeyPEMType, Bytes: enc})
	return privatePEM, publicPEM, nil
}

// Signer signs with an ECDSA P-256 private key.
type Signer struct {
	key      *ecdsa.PrivateKey
	verifier *Verifier
}

// LoadPrivateKey reads a cosign private key file ("ENCRYPTED SIGSTORE PRIVATE KEY" or
// the older "ENCRYPTED COSIGN PRIVATE KEY") encrypted with password.
func LoadPrivateKey(pemBytes, password []byte) (*Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("load private key: no PEM block; fix: give the cosign.key file written by cosign generate-key-pair")
	}
	if block.Type != privateKeyPEMType && block.Type != legacyPrivateKeyPEMType {
		return nil, fmt.Errorf("load private key: PEM block %q is not a cosign private key (want %q); fix: give the cosign.key file, not the public key, or import the key with cosign import-key-pair",
			block.Type, privateKeyPEMType)
	}
	if password == nil {
		password = []byte{}
	}
	der, err := encrypted.Decrypt(block.Bytes, password)
	if err != nil {
		// secretbox authentication fails: the key derived from the password is wrong.
		if strings.HasSuffix(err.Error(), "decryption failed") {
			return nil, ErrWrongPassword
		}
		return nil, fmt.Errorf("load private key: decrypt private key: %w", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("load private key: parse PKCS #8 key: %w", err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("load private key: %s key: only ECDSA P-256 keys are supported; fix: make one with cosign generate-key-pair", keyKind(parsed))
	}
	v, err := newVerifier(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("load private key: %w", err)
	}
	return &Signer{key: key, verifier: v}, nil
}

// PublicKey returns the public half of the key.
func (s *Signer) PublicKey() crypto.PublicKey { return &s.key.PublicKey }

// Verifier checks signatures made by one ECDSA P-256 key.
type Verifier struct {
	key *ecdsa.PublicKey
	id  string
}

// LoadPublicKey reads a PEM "PUBLIC KEY" (PKIX) file such as cosign.pub.
func LoadPublicKey(pemBytes []byte) (*Verifier, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("load public key: no PEM block; fix: give the cosign.pub file written by cosign generate-key-pair")
	}
	if block.Type != publicKeyPEMType {
		return nil, fmt.Errorf("load public key: PEM block %q is not a public key (want %q); fix: give the .pub file, never the private key", block.Type, publicKeyPEMType)
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("load public key: %w", err)
	}
	key, ok := parsed.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("load public key: %s key: only ECDSA P-256 keys are supported", keyKind(parsed))
	}
	v, err := newVerifier(key)
	if err != nil {
		return nil, fmt.Errorf("load public key: %w", err)
	}
	return v, nil
}

// ID is a short stable name of the key: the first 16 hex digits of the SHA-256 of its
// PKIX DER encoding.
func (v *Verifier) ID() string { return v.id }

// verify reports whether sig signs sha256(payload). Like sigstore's ECDSA verifier (what
// cosign uses), it takes an ASN.1 DER signature, or else the IEEE P1363 r||s encoding.
func (v *Verifier) verify(payload, sig []byte) bool {
	sum := sha256.Sum256(payload)
	var asn struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &asn); err == nil {
		return ecdsa.VerifyASN1(v.key, sum[:], sig)
	}
	if len(sig) != 64 {
		return false
	}
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(v.key, sum[:], r, s)
}

func newVerifier(key *ecdsa.PublicKey) (*Verifier, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &Verifier{key: key, id: hex.EncodeToString(sum[:])[:16]}, nil
}

func marshalPublicKey(key *ecdsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: publicKeyPEMType, Bytes: der}), nil
}

func keyKind(k any) string {
	if ec, ok := k.(*ecdsa.PublicKey); ok {
		return "ECDSA " + ec.Curve.Params().Name
	}
	if ec, ok := k.(*ecdsa.PrivateKey); ok {
		return "ECDSA " + ec.Curve.Params().Name
	}
	return fmt.Sprintf("%T", k)
}

// KeyID is the id of s's public key, as its Verifier's ID gives it.
func (s *Signer) KeyID() string {
	v, err := newVerifier(&s.key.PublicKey)
	if err != nil {
		return ""
	}
	return v.ID()
}
