package rebuild

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/sign"
)

// same is a Build that checks what it was given and returns the published kit.
func same(t *testing.T, k fakeKit, seen *BuildInput) Build {
	return func(_ context.Context, in BuildInput) (Built, error) {
		*seen = in
		if _, err := os.Stat(filepath.Join(in.Project, "kits", "core", "kit.yaml")); err != nil {
			t.Errorf("the sources are not unpacked in %s: %v", in.Project, err)
		}
		return Built{Digest: k.ref.DigestStr(), Config: k.config}, nil
	}
}

func TestRunMatch(t *testing.T) {
	k := publishKit(t, newRegistry(t), publishSpec{})
	var in BuildInput
	tmp := t.TempDir()
	r, err := Run(context.Background(), k.ref.Context().Tag("0.1.0"), same(t, k, &in), WithTempDir(tmp))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Match || r.Digest != k.ref.DigestStr() || r.Rebuilt != r.Digest || len(r.Packages) != 2 || len(r.Differing()) != 0 {
		t.Fatalf("report %+v", r)
	}
	if r.Sources != digestOf(k.sources) || r.SBOM == "" || r.Kit != "core" || r.Version != "0.1.0" || !strings.HasSuffix(r.Ref, "/kits/core:0.1.0") {
		t.Fatalf("report %+v", r)
	}
	for _, p := range r.Packages {
		if !p.Match || p.Want != p.Got || p.SBOM != p.Want {
			t.Errorf("package %+v", p)
		}
	}
	if in.Epoch != 1700000000 || in.Kit.Name != "core" || !strings.HasPrefix(in.Project, in.WorkDir) {
		t.Fatalf("build input %+v", in)
	}
	if _, err := os.Stat(in.WorkDir); !os.IsNotExist(err) {
		t.Fatalf("the temporary work folder is still there: %v", err)
	}
	if r.WorkDir != "" {
		t.Fatalf("a temporary work folder is reported: %s", r.WorkDir)
	}
}

func TestRunMismatchNamesThePackage(t *testing.T) {
	k := publishKit(t, newRegistry(t), publishSpec{})
	build := func(_ context.Context, in BuildInput) (Built, error) {
		cfg := in.Kit
		cfg.Packages = append(cfg.Packages[:0:0], cfg.Packages...)
		cfg.Packages[1].Files.Digest = digestOf([]byte("other runc")) // runc (sorted after containerd)
		return Built{Digest: digestOf([]byte("other kit")), Config: cfg}, nil
	}
	r, err := Run(context.Background(), k.ref, build, WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if r.Match || strings.Join(r.Differing(), ",") != "runc" {
		t.Fatalf("report %+v", r)
	}
	if s := r.Summary(); !strings.Contains(s, "package runc differs") || !strings.Contains(s, digestOf([]byte("other runc"))) {
		t.Fatalf("summary %q", s)
	}
	want := "package runc: the same inputs gave other files"
	if !strings.Contains(strings.Join(r.Notes, "\n"), want) {
		t.Fatalf("notes %q lack %q", r.Notes, want)
	}
}

func TestRunWithoutSourcesSaysHowToFix(t *testing.T) {
	k := publishKit(t, newRegistry(t), publishSpec{noSources: true})
	_, err := Run(context.Background(), k.ref, func(context.Context, BuildInput) (Built, error) {
		t.Fatal("built without sources")
		return Built{}, nil
	}, WithTempDir(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "carries no sources") || !strings.Contains(err.Error(), "fix: publish it again with this kitbash (kitbash publish kit core --to ") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunRefusesSourcesTheProvenanceDoesNotRecord(t *testing.T) {
	k := publishKit(t, newRegistry(t), publishSpec{provSources: digestOf([]byte("other sources"))})
	_, err := Run(context.Background(), k.ref, func(context.Context, BuildInput) (Built, error) {
		t.Fatal("built from swapped sources")
		return Built{}, nil
	}, WithTempDir(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "are not those its provenance records") {
		t.Fatalf("err = %v", err)
	}
	// A provenance from before sources were attached records none: the sources are used.
	old := publishKit(t, newRegistry(t), publishSpec{provSources: "-", noSBOM: true})
	var in BuildInput
	r, err := Run(context.Background(), old.ref, same(t, old, &in), WithTempDir(t.TempDir()))
	if err != nil || !r.Match || r.SBOM != "" || r.Packages[0].SBOM != "" {
		t.Fatalf("no recorded sources, no SBOM: %+v, %v", r, err)
	}
}

func TestRunChecksTheSignature(t *testing.T) {
	k := publishKit(t, newRegistry(t), publishSpec{})
	priv, pub, err := sign.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := sign.LoadPrivateKey(priv, []byte("pw"))
	verifier, _ := sign.LoadPublicKey(pub)
	var in BuildInput
	if _, err := Run(context.Background(), k.ref, same(t, k, &in), WithVerifiers(verifier), WithTempDir(t.TempDir())); !errors.Is(err, sign.ErrUnsigned) {
		t.Fatalf("unsigned kit: %v", err)
	}
	if _, err := sign.Sign(context.Background(), k.ref, signer); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), k.ref, same(t, k, &in), WithVerifiers(verifier), WithTempDir(t.TempDir()))
	if err != nil || r.SignedBy != verifier.ID() {
		t.Fatalf("signed kit: %+v, %v", r, err)
	}
}

func TestRunKeepsTheWorkDir(t *testing.T) {
	k := publishKit(t, newRegistry(t), publishSpec{})
	dir := filepath.Join(t.TempDir(), "work")
	var in BuildInput
	r, err := Run(context.Background(), k.ref, same(t, k, &in), WithWorkDir(dir))
	if err != nil || r.WorkDir != dir {
		t.Fatalf("%+v, %v", r, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "src", "Kitbash.yaml")); err != nil {
		t.Fatalf("the kept sources: %v", err)
	}
	if _, err := Run(context.Background(), k.ref, same(t, k, &in), WithWorkDir(dir)); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Fatalf("a used work folder: %v", err)
	}
}

func TestRunBuildFailureIsAnError(t *testing.T) {
	k := publishKit(t, newRegistry(t), publishSpec{})
	_, err := Run(context.Background(), k.ref, func(context.Context, BuildInput) (Built, error) {
		return Built{}, errors.New("package runc: build step failed")
	}, WithTempDir(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "from its sources: package runc: build step failed") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Run(context.Background(), k.ref, nil); err == nil {
		t.Fatal("no Build function accepted")
	}
}
