package rebuild

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/pkg"
)

func manifest(name, files, inputs string) pkg.Manifest {
	return pkg.Manifest{Name: name, Version: "1.0", Release: 1, Files: pkg.FilesSummary{Digest: digestOf([]byte(files))}, InputsDigest: digestOf([]byte(inputs))}
}

// publishedOf is a published kit of these packages, with an SBOM that agrees unless sbom
// says otherwise (name -> files body).
func publishedOf(t *testing.T, sbom map[string]string, ms ...pkg.Manifest) *published {
	t.Helper()
	cfg := kit.Config{Name: "core", Version: "0.1.0", Arch: "x86_64", Created: created, SDK: digestOf([]byte("sdk")), Packages: ms}
	h, err := v1.NewHash(digestOf([]byte("kit")))
	if err != nil {
		t.Fatal(err)
	}
	l := sbomList{kit: h.String(), packages: map[string]string{}}
	for _, m := range ms {
		l.packages[m.Name] = m.Files.Digest
	}
	for n, body := range sbom {
		l.packages[n] = digestOf([]byte(body))
	}
	return &published{kit: &kit.Opened{Digest: h, Config: cfg}, sourcesDigest: digestOf([]byte("sources")), sbom: &l, sbomDigest: digestOf([]byte("sbom"))}
}

func TestCompare(t *testing.T) {
	pub := publishedOf(t, nil, manifest("agents", "a", "ai"), manifest("runc", "r", "ri"))
	same := Built{Digest: pub.kit.Digest.String(), Config: pub.kit.Config}
	if r := compare(pub, same); !r.Match || len(r.Notes) != 0 || len(r.Packages) != 2 {
		t.Fatalf("same kit: %+v", r)
	}

	// Other inputs (a changed spec) and so other files: named, with why.
	cfg := pub.kit.Config
	cfg.Packages = []pkg.Manifest{manifest("agents", "a", "ai"), manifest("runc", "r2", "ri2")}
	r := compare(pub, Built{Digest: digestOf([]byte("kit2")), Config: cfg})
	if r.Match || strings.Join(r.Differing(), ",") != "runc" || !strings.Contains(strings.Join(r.Notes, "\n"), "package runc: inputs digest") {
		t.Fatalf("changed runc: %+v", r)
	}

	// Every package matches, the metadata does not (another revision).
	cfg = pub.kit.Config
	cfg.Revision = "abc"
	r = compare(pub, Built{Digest: digestOf([]byte("kit3")), Config: cfg})
	if r.Match || len(r.Differing()) != 0 || !strings.Contains(strings.Join(r.Notes, "\n"), "kit revision: none published, abc rebuilt") {
		t.Fatalf("changed revision: %+v", r)
	}
	if !strings.Contains(r.Summary(), "every package matches, its metadata differs") {
		t.Fatalf("summary %q", r.Summary())
	}

	// A package only one side has.
	cfg = pub.kit.Config
	cfg.Packages = append(cfg.Packages, manifest("extra", "e", "ei"))
	r = compare(pub, Built{Digest: digestOf([]byte("kit4")), Config: cfg})
	if r.Match || strings.Join(r.Differing(), ",") != "extra" || r.Packages[1].Want != "" {
		t.Fatalf("extra package: %+v", r)
	}
}

func TestCompareSBOMThatDisagrees(t *testing.T) {
	pub := publishedOf(t, map[string]string{"runc": "forged"}, manifest("agents", "a", "ai"), manifest("runc", "r", "ri"))
	r := compare(pub, Built{Digest: pub.kit.Digest.String(), Config: pub.kit.Config})
	if r.Match || strings.Join(r.Differing(), ",") != "runc" || !strings.Contains(strings.Join(r.Notes, "\n"), "package runc: the SBOM lists") {
		t.Fatalf("forged SBOM entry: %+v", r)
	}
	if !strings.Contains(r.Summary(), ", SBOM "+digestOf([]byte("forged"))) {
		t.Fatalf("summary %q", r.Summary())
	}
	pub = publishedOf(t, nil, manifest("runc", "r", "ri"))
	pub.sbom.kit = digestOf([]byte("another kit"))
	if r := compare(pub, Built{Digest: pub.kit.Digest.String(), Config: pub.kit.Config}); r.Match {
		t.Fatalf("an SBOM of another kit: %+v", r)
	}
}

func TestReportTextAndJSON(t *testing.T) {
	pub := publishedOf(t, nil, manifest("agents", "a", "ai"), manifest("runc", "r", "ri"))
	cfg := pub.kit.Config
	cfg.Packages = []pkg.Manifest{manifest("agents", "a", "ai"), manifest("runc", "r2", "ri")}
	r := compare(pub, Built{Digest: digestOf([]byte("kit2")), Config: cfg})
	r.Ref = "127.0.0.1:5000/kits/core:0.1.0"
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{
		"kit core 0.1.0\n",
		"  published  " + r.Digest + "\n",
		"  rebuilt    " + r.Rebuilt + "\n",
		"  PACKAGE  PUBLISHED            REBUILT              SBOM                 MATCH\n",
		"  agents   " + short(digestOf([]byte("a"))) + "  " + short(digestOf([]byte("a"))),
		"  yes\n",
		"  NO\n",
		"note: package runc: the same inputs gave other files",
		"MISMATCH: rebuild of 127.0.0.1:5000/kits/core:0.1.0 does not match: package runc differs (published " + digestOf([]byte("r")) + ", rebuilt " + digestOf([]byte("r2")) + ")\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Ref, Digest, Rebuilt string
		Match                *bool
		Packages             []struct {
			Name, Want, Got string
			Match           *bool
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Ref != r.Ref || doc.Digest != r.Digest || doc.Rebuilt != r.Rebuilt || doc.Match == nil || *doc.Match || len(doc.Packages) != 2 ||
		doc.Packages[1].Name != "runc" || doc.Packages[1].Want != digestOf([]byte("r")) || doc.Packages[1].Got != digestOf([]byte("r2")) || *doc.Packages[1].Match {
		t.Fatalf("json %s", b)
	}
	for _, key := range []string{`"ref"`, `"digest"`, `"rebuilt"`, `"match"`, `"packages"`, `"name"`, `"want"`, `"got"`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("json lacks %s: %s", key, b)
		}
	}
	same := compare(pub, Built{Digest: pub.kit.Digest.String(), Config: pub.kit.Config})
	buf.Reset()
	same.WriteText(&buf)
	if !strings.Contains(buf.String(), "MATCH: rebuilt") || strings.Contains(buf.String(), "NO\n") {
		t.Fatalf("match text:\n%s", buf.String())
	}
}
