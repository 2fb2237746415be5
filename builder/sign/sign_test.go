package sign

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// testRegistry is an in-process registry that counts the requests that write.
type testRegistry struct {
	host   string
	writes atomic.Int64
}

func newRegistry(t *testing.T) *testRegistry {
	t.Helper()
	r := &testRegistry{}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.Method {
		case http.MethodPut, http.MethodPost, http.MethodPatch:
			r.writes.Add(1)
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// push writes a random image to repo:tag and returns its digest reference.
func (r *testRegistry) push(t *testing.T, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(r.host + "/" + repo + ":latest")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tag.Context().Digest(h.String())
}

type keyPair struct {
	signer   *Signer
	verifier *Verifier
}

func newKey(t *testing.T) keyPair {
	t.Helper()
	priv, pub, err := GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadPrivateKey(priv, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{s, v}
}

func mustSign(t *testing.T, d name.Digest, s *Signer, opts ...Option) {
	t.Helper()
	signed, err := Sign(t.Context(), d, s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if !signed {
		t.Fatal("Sign returned false for a new signature")
	}
}

// sigImage fetches the .sig image of d.
func sigImage(t *testing.T, d name.Digest) v1.Image {
	t.Helper()
	tag, err := signatureTag(d)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(tag, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// writeSigImage replaces the .sig image of d by one holding the given layers.
func writeSigImage(t *testing.T, d name.Digest, adds ...mutate.Addendum) {
	t.Helper()
	tag, err := signatureTag(d)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(emptySignatureImage(), adds...)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
}

func sigLayer(payload, sig []byte) mutate.Addendum {
	return mutate.Addendum{
		Layer:       static.NewLayer(payload, SimpleSigningMediaType),
		Annotations: map[string]string{SignatureAnnotation: base64.StdEncoding.EncodeToString(sig)},
	}
}

func TestKeyRoundTrip(t *testing.T) {
	for _, pw := range [][]byte{[]byte("correct horse"), {}, nil} {
		priv, pub, err := GenerateKeyPair(pw)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := pem.Decode(priv); b == nil || b.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" {
			t.Fatalf("private key PEM: %q", priv)
		}
		if b, _ := pem.Decode(pub); b == nil || b.Type != "PUBLIC KEY" {
			t.Fatalf("public key PEM: %q", pub)
		}
		s, err := LoadPrivateKey(priv, pw)
		if err != nil {
			t.Fatalf("password %q: %v", pw, err)
		}
		v, err := LoadPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		if !v.key.Equal(s.PublicKey()) {
			t.Error("public key file does not match the private key")
		}
		if v.ID() != s.verifier.ID() || len(v.ID()) != 16 {
			t.Errorf("key ids %q and %q", v.ID(), s.verifier.ID())
		}
		if _, err := LoadPrivateKey(priv, []byte("wrong")); !errors.Is(err, ErrWrongPassword) ||
			err.Error() != "decrypt private key: wrong password?" {
			t.Errorf("wrong password: %v", err)
		}
	}
	// Key id is stable: same key, same id.
	_, pub, _ := GenerateKeyPair(nil)
	a, _ := LoadPublicKey(pub)
	b, _ := LoadPublicKey(pub)
	if a.ID() != b.ID() {
		t.Error("key id not stable")
	}
}

// A key as newer cosign writes it (encrypted.Encrypt: scrypt N=2^16) under the older
// PEM type loads too.
func TestLoadCosignKeyVariants(t *testing.T) {
	priv, _, err := GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadPrivateKey(priv, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(priv)
	der, err := encrypted.Decrypt(block.Bytes, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	var kdf struct {
		KDF struct {
			Params struct{ N, R, P int } `json:"params"`
		} `json:"kdf"`
	}
	if err := json.Unmarshal(block.Bytes, &kdf); err != nil || kdf.KDF.Params.N != 32768 || kdf.KDF.Params.R != 8 || kdf.KDF.Params.P != 1 {
		t.Errorf("scrypt params %+v (%v), want N=32768 r=8 p=1", kdf.KDF.Params, err)
	}
	enc, err := encrypted.Encrypt(der, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	old := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED COSIGN PRIVATE KEY", Bytes: enc})
	s2, err := LoadPrivateKey(old, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if !s2.key.Equal(s.key) {
		t.Error("different key")
	}

	for _, bad := range [][]byte{nil, []byte("junk"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: enc})} {
		if _, err := LoadPrivateKey(bad, []byte("pw")); err == nil || !strings.Contains(err.Error(), "fix:") {
			t.Errorf("LoadPrivateKey(%q): %v", bad, err)
		}
	}
	if _, err := LoadPublicKey(priv); err == nil || !strings.Contains(err.Error(), "fix:") {
		t.Errorf("LoadPublicKey(private key): %v", err)
	}
}

// The payload has exactly the field names of sigstore's payload.SimpleContainerImage
// and the bytes cosign's json.Marshal of it gives.
func TestPayloadFormat(t *testing.T) {
	d, err := name.NewDigest("127.0.0.1:5000/kits/core@sha256:" + strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	b, err := marshalPayload(d, map[string]string{"kit": "core", "b": "<&>"})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(v any) []string {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v is not an object", v)
		}
		return slices.Sorted(maps.Keys(m))
	}
	for _, c := range []struct {
		v    any
		want []string
	}{
		{doc, []string{"critical", "optional"}},
		{doc["critical"], []string{"identity", "image", "type"}},
		{doc["critical"].(map[string]any)["identity"], []string{"docker-reference"}},
		{doc["critical"].(map[string]any)["image"], []string{"docker-manifest-digest"}},
		{doc["optional"], []string{"b", "kit"}},
	} {
		if got := keys(c.v); !slices.Equal(got, c.want) {
			t.Errorf("fields %v, want %v", got, c.want)
		}
	}
	want := `{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/kits/core"},` +
		`"image":{"docker-manifest-digest":"sha256:` + strings.Repeat("ab", 32) + `"},` +
		`"type":"cosign container image signature"},"optional":{"b":"\u003c\u0026\u003e","kit":"core"}}`
	if string(b) != want {
		t.Errorf("payload\n%s\nwant\n%s", b, want)
	}
	b, _ = marshalPayload(d, nil)
	if !bytes.HasSuffix(b, []byte(`,"optional":null}`)) {
		t.Errorf("payload without annotations: %s", b)
	}
}

func TestSignVerify(t *testing.T) {
	r := newRegistry(t)
	d := r.push(t, "kits/core")
	k := newKey(t)
	var logs bytes.Buffer
	mustSign(t, d, k.signer, WithAnnotations(map[string]string{"kit": "core"}), WithLog(&logs))
	if !strings.Contains(logs.String(), k.verifier.ID()) {
		t.Errorf("log: %q", logs.String())
	}

	sigs, err := Verify(t.Context(), d, []*Verifier{k.verifier})
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 1 || sigs[0].KeyID != k.verifier.ID() || sigs[0].Annotations["kit"] != "core" {
		t.Fatalf("signatures %+v", sigs)
	}

	// The .sig image has cosign's shape.
	img := sigImage(t, d)
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON || len(m.Layers) != 1 ||
		m.Layers[0].MediaType != SimpleSigningMediaType || m.Layers[0].Annotations[SignatureAnnotation] == "" {
		t.Errorf("signature manifest %+v", m)
	}
	tag, _ := signatureTag(d)
	if want := "sha256-" + strings.TrimPrefix(d.DigestStr(), "sha256:") + ".sig"; tag.TagStr() != want {
		t.Errorf("tag %s, want %s", tag.TagStr(), want)
	}

	// Required annotations.
	if _, err := Verify(t.Context(), d, []*Verifier{k.verifier}, WithAnnotations(map[string]string{"kit": "core"})); err != nil {
		t.Error(err)
	}
	_, err = Verify(t.Context(), d, []*Verifier{k.verifier}, WithAnnotations(map[string]string{"kit": "other"}))
	if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), `annotation "kit"`) {
		t.Errorf("wrong annotation: %v", err)
	}
}

func TestSignIndex(t *testing.T) {
	r := newRegistry(t)
	idx, err := random.Index(64, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(r.host + "/kits/multi:1")
	if err := remote.WriteIndex(tag, idx, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	h, _ := idx.Digest()
	d := tag.Context().Digest(h.String())
	k := newKey(t)
	mustSign(t, d, k.signer)
	if _, err := Verify(t.Context(), d, []*Verifier{k.verifier}); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyOtherKey(t *testing.T) {
	r := newRegistry(t)
	d := r.push(t, "kits/core")
	a, b := newKey(t), newKey(t)
	mustSign(t, d, a.signer)
	_, err := Verify(t.Context(), d, []*Verifier{b.verifier})
	if !errors.Is(err, ErrUntrusted) || errors.Is(err, ErrUnsigned) {
		t.Fatalf("got %v, want ErrUntrusted", err)
	}
	for _, s := range []string{d.String(), b.verifier.ID(), "fix:"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func TestVerifyUnsigned(t *testing.T) {
	r := newRegistry(t)
	d := r.push(t, "kits/core")
	k := newKey(t)
	_, err := Verify(t.Context(), d, []*Verifier{k.verifier})
	if !errors.Is(err, ErrUnsigned) || errors.Is(err, ErrUntrusted) {
		t.Fatalf("got %v, want ErrUnsigned", err)
	}
	for _, s := range []string{d.String(), "fix:"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	// A reference that does not exist is neither unsigned nor untrusted.
	missing := d.Context().Digest("sha256:" + strings.Repeat("0", 64))
	_, err = Verify(t.Context(), missing, []*Verifier{k.verifier})
	if err == nil || errors.Is(err, ErrUnsigned) || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing image: %v", err)
	}
	if _, err := Sign(t.Context(), missing, k.signer); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("sign missing image: %v", err)
	}
	if _, err := Verify(t.Context(), d, nil); err == nil {
		t.Error("no verifiers: no error")
	}
}

// A payload changed after signing (here: an annotation added) is refused.
func TestVerifyTamperedPayload(t *testing.T) {
	r := newRegistry(t)
	d := r.push(t, "kits/core")
	k := newKey(t)
	mustSign(t, d, k.signer, WithAnnotations(map[string]string{"kit": "core"}))

	img := sigImage(t, d)
	m, _ := img.Manifest()
	payload, err := readPayload(img, m.Layers[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(payload, []byte(`"kit":"core"`), []byte(`"kit":"evil"`), 1)
	if bytes.Equal(tampered, payload) {
		t.Fatalf("payload %s not changed", payload)
	}
	writeSigImage(t, d, mutate.Addendum{
		Layer:       static.NewLayer(tampered, SimpleSigningMediaType),
		Annotations: m.Layers[0].Annotations, // the old signature
	})
	if _, err := Verify(t.Context(), d, []*Verifier{k.verifier}); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("tampered payload: %v", err)
	}
}

// A valid signature by a trusted key over a payload naming another digest is refused.
func TestVerifyOtherDigest(t *testing.T) {
	r := newRegistry(t)
	d := r.push(t, "kits/core")
	other := r.push(t, "kits/other")
	k := newKey(t)
	payload, err := marshalPayload(other, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := k.signer.sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	writeSigImage(t, d, sigLayer(payload, sig))
	_, err = Verify(t.Context(), d, []*Verifier{k.verifier})
	if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), other.DigestStr()) {
		t.Fatalf("payload for another digest: %v", err)
	}
	// Sign does not take it for its own signature.
	mustSign(t, d, k.signer)
	if sigs, err := Verify(t.Context(), d, []*Verifier{k.verifier}); err != nil || len(sigs) != 1 {
		t.Fatalf("after signing: %v %v", sigs, err)
	}
}

func TestSignTwiceUploadsNothing(t *testing.T) {
	r := newRegistry(t)
	d := r.push(t, "kits/core")
	k := newKey(t)
	mustSign(t, d, k.signer)
	r.writes.Store(0)
	var logs bytes.Buffer
	signed, err := Sign(t.Context(), d, k.signer, WithLog(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if signed {
		t.Error("second Sign returned true")
	}
	if n := r.writes.Load(); n != 0 {
		t.Errorf("second Sign made %d write requests", n)
	}
	if !strings.Contains(logs.String(), "already signed") {
		t.Errorf("log: %q", logs.String())
	}
	m, _ := sigImage(t, d).Manifest()
	if len(m.Layers) != 1 {
		t.Errorf("%d signature layers", len(m.Layers))
	}
}

func TestSecondKeyAppends(t *testing.T) {
	r := newRegistry(t)
	d := r.push(t, "kits/core")
	a, b, c := newKey(t), newKey(t), newKey(t)
	mustSign(t, d, a.signer)
	mustSign(t, d, b.signer, WithAnnotations(map[string]string{"by": "b"}))

	m, _ := sigImage(t, d).Manifest()
	if len(m.Layers) != 2 {
		t.Fatalf("%d signature layers, want 2", len(m.Layers))
	}
	for _, v := range []*Verifier{a.verifier, b.verifier} {
		sigs, err := Verify(t.Context(), d, []*Verifier{v})
		if err != nil || len(sigs) != 1 || sigs[0].KeyID != v.ID() {
			t.Errorf("key %s: %+v %v", v.ID(), sigs, err)
		}
	}
	sigs, err := Verify(t.Context(), d, []*Verifier{c.verifier, b.verifier, a.verifier})
	if err != nil || len(sigs) != 2 {
		t.Fatalf("both keys: %+v %v", sigs, err)
	}
	if _, err := Verify(t.Context(), d, []*Verifier{c.verifier}); !errors.Is(err, ErrUntrusted) ||
		!strings.Contains(err.Error(), "2 signature(s)") {
		t.Errorf("third key: %v", err)
	}
}

func TestOptions(t *testing.T) {
	if _, err := newConfig(context.Background(), []Option{WithAnnotations(map[string]string{"": "x"})}); err == nil {
		t.Error("empty annotation key accepted")
	}
	in := map[string]string{"a": "1"}
	c, err := newConfig(context.Background(), []Option{WithAnnotations(in), WithLog(nil)})
	if err != nil {
		t.Fatal(err)
	}
	in["a"] = "2"
	if c.annotations["a"] != "1" {
		t.Error("annotations not copied")
	}
	if c.log == nil {
		t.Error("nil log")
	}
}

// Like sigstore's ECDSA verifier, verify takes ASN.1 and IEEE P1363 (r||s) signatures.
func TestVerifierEncodings(t *testing.T) {
	k := newKey(t)
	payload := []byte(`{"x":1}`)
	der, err := k.signer.sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		t.Fatal(err)
	}
	p1363 := append(rs.R.FillBytes(make([]byte, 32)), rs.S.FillBytes(make([]byte, 32))...)
	for _, c := range []struct {
		name    string
		payload []byte
		sig     []byte
		want    bool
	}{
		{"asn1", payload, der, true},
		{"p1363", payload, p1363, true},
		{"other payload", []byte(`{"x":2}`), der, false},
		{"other payload p1363", []byte(`{"x":2}`), p1363, false},
		{"garbage", payload, []byte("garbage"), false},
		{"empty", payload, nil, false},
	} {
		if got := k.verifier.verify(c.payload, c.sig); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if newKey(t).verifier.verify(payload, der) {
		t.Error("another key verifies")
	}
}
