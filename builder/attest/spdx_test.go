package attest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/pkg"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(rerun with -update if intended)", p, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d (rerun with -update if intended)", p, len(gl), len(wl))
	}
}

func sha(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

const kitDigest = "sha256:4f1c0a5b6e7d8c9f0a1b2c3d4e5f60718293a4b5c6d7e8f9001122334455667f"

func testKit() kit.Config {
	shared := pkg.SourceDigest{Kind: "url", Name: "linux-6.6.tar.xz", Digest: sha('a')}
	return kit.Config{
		SchemaVersion: kit.ConfigSchema, Name: "core", Version: "1.2.0", Vendor: "Example Corp",
		Arch: "x86_64", Created: "2023-11-14T22:13:20Z",
		Source: "https://github.com/example/os", Revision: "0123456789abcdef",
		SDK: sha('5'),
		Packages: []pkg.Manifest{
			{Name: "ca-certificates", Version: "20230311", Release: 1, Arch: "x86_64",
				Licenses: []string{"MPL-2.0 AND GPL-2.0-or-later", "MIT OR Apache-2.0"},
				Files:    pkg.FilesSummary{Digest: sha('1'), Size: 100, Count: 3},
				Sources:  []pkg.SourceDigest{{Kind: "apt", Name: "ca-certificates_20230311_all.deb", Digest: sha('b')}}},
			{Name: "containerd", Version: "2.0.0", Release: 2, Arch: "x86_64",
				Licenses: []string{"Apache-2.0"},
				Files:    pkg.FilesSummary{Digest: sha('2'), Size: 200, Count: 9},
				Sources: []pkg.SourceDigest{
					{Kind: "url", Name: "containerd-2.0.0.tar.gz", Digest: sha('c')},
					{Kind: "gomod", Name: "containerd-vendor", Digest: sha('d')},
				}},
			{Name: "kernel", Version: "6.6", Release: 1, Arch: "x86_64",
				Licenses: []string{"GPL-2.0-only WITH Linux-syscall-note"},
				Files:    pkg.FilesSummary{Digest: sha('3'), Size: 300, Count: 40},
				Sources:  []pkg.SourceDigest{shared}},
			{Name: "kernel-headers", Version: "6.6", Release: 1, Arch: "x86_64",
				Files:   pkg.FilesSummary{Digest: sha('4'), Size: 50, Count: 5},
				Sources: []pkg.SourceDigest{shared}},
			{Name: "libstdc++", Version: "12.2.0", Release: 1, Arch: "x86_64",
				Licenses: []string{"GPL-3.0-or-later WITH GCC-exception-3.1"},
				Files:    pkg.FilesSummary{Digest: sha('6'), Size: 10, Count: 1}},
		},
	}
}

func testSBOM() SBOMInput {
	return SBOMInput{Kit: testKit(), Digest: kitDigest, Repo: "registry.example:5000/kits/core"}
}

func TestSPDXGolden(t *testing.T) {
	b, err := SPDX(testSBOM())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "core.spdx.json", b)
}

func TestSPDXDeterministic(t *testing.T) {
	a, err := SPDX(testSBOM())
	if err != nil {
		t.Fatal(err)
	}
	in := testSBOM()
	p := in.Kit.Packages
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 { // reversed package order
		p[i], p[j] = p[j], p[i]
	}
	p[0].Licenses = []string{"GPL-3.0-or-later  WITH GCC-exception-3.1", "GPL-3.0-or-later WITH GCC-exception-3.1"}
	b, err := SPDX(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same kit gave different SBOMs")
	}
	if in.Kit.Packages[0].Name != "libstdc++" {
		t.Fatal("SPDX reordered the caller's packages")
	}
}

type spdxDoc struct {
	SPDXVersion, DataLicense, SPDXID, Name, DocumentNamespace string
	CreationInfo                                              struct{ Created string }
	Packages                                                  []struct {
		Name, SPDXID, VersionInfo, LicenseDeclared, DownloadLocation, PrimaryPackagePurpose string
		FilesAnalyzed                                                                       bool
		Checksums                                                                           []struct{ Algorithm, ChecksumValue string }
	}
	Relationships []struct{ SPDXElementID, RelationshipType, RelatedSPDXElement string }
}

func TestSPDXDecodes(t *testing.T) {
	b, err := SPDX(testSBOM())
	if err != nil {
		t.Fatal(err)
	}
	var d spdxDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.SPDXVersion != "SPDX-2.3" || d.DataLicense != "CC0-1.0" || d.SPDXID != "SPDXRef-DOCUMENT" || d.Name != "core-1.2.0" ||
		d.DocumentNamespace != "https://kitbash.dev/spdx/core/1.2.0/"+strings.TrimPrefix(kitDigest, "sha256:") || d.CreationInfo.Created != "2023-11-14T22:13:20Z" {
		t.Fatalf("document header: %+v", d)
	}
	// 1 kit + 5 packages + 4 distinct sources (kernel and kernel-headers share one).
	if len(d.Packages) != 10 {
		t.Fatalf("%d packages, want 10", len(d.Packages))
	}
	ids := map[string]string{}
	count := map[string]int{}
	for _, p := range d.Packages {
		if _, dup := ids[p.SPDXID]; dup {
			t.Fatalf("duplicate SPDXID %s", p.SPDXID)
		}
		if strings.Trim(strings.TrimPrefix(p.SPDXID, "SPDXRef-"), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" {
			t.Fatalf("SPDXID %q has characters SPDX does not allow", p.SPDXID)
		}
		if p.FilesAnalyzed || p.DownloadLocation != "NOASSERTION" || len(p.Checksums) != 1 || p.Checksums[0].Algorithm != "SHA256" || len(p.Checksums[0].ChecksumValue) != 64 {
			t.Fatalf("package %s: %+v", p.Name, p)
		}
		ids[p.SPDXID] = p.LicenseDeclared
		count[p.PrimaryPackagePurpose]++
	}
	if count["OTHER"] != 1 || count["SOURCE"] != 4 || count[""] != 5 {
		t.Fatalf("purposes: %v", count)
	}
	for id, want := range map[string]string{
		"SPDXRef-Package-ca-certificates": "(MIT OR Apache-2.0) AND MPL-2.0 AND GPL-2.0-or-later",
		"SPDXRef-Package-containerd":      "Apache-2.0",
		"SPDXRef-Package-kernel":          "GPL-2.0-only WITH Linux-syscall-note",
		"SPDXRef-Package-kernel-headers":  "NOASSERTION",
	} {
		if got, ok := ids[id]; !ok || got != want {
			t.Errorf("%s licenseDeclared %q, want %q", id, got, want)
		}
	}
	rels := map[string]int{}
	for _, r := range d.Relationships {
		rels[r.RelationshipType]++
		for _, id := range []string{r.SPDXElementID, r.RelatedSPDXElement} {
			if _, ok := ids[id]; !ok && id != "SPDXRef-DOCUMENT" {
				t.Errorf("relationship %+v names an unknown element", r)
			}
		}
	}
	if rels["DESCRIBES"] != 1 || rels["CONTAINS"] != 5 || rels["GENERATED_FROM"] != 5 || len(d.Relationships) != 11 {
		t.Fatalf("relationships: %v", rels)
	}
}

func TestSPDXErrors(t *testing.T) {
	for name, mod := range map[string]func(*SBOMInput){
		"bad digest":     func(in *SBOMInput) { in.Digest = "sha256:abc" },
		"no created":     func(in *SBOMInput) { in.Kit.Created = "" },
		"bad created":    func(in *SBOMInput) { in.Kit.Created = "yesterday" },
		"no name":        func(in *SBOMInput) { in.Kit.Name = "" },
		"duplicate":      func(in *SBOMInput) { in.Kit.Packages = append(in.Kit.Packages, in.Kit.Packages[0]) },
		"bad license":    func(in *SBOMInput) { in.Kit.Packages[1].Licenses = []string{"Apache 2.0 license"} },
		"lower operator": func(in *SBOMInput) { in.Kit.Packages[1].Licenses = []string{"MIT or Apache-2.0"} },
		"none and more":  func(in *SBOMInput) { in.Kit.Packages[1].Licenses = []string{"NONE", "MIT"} },
		"bad tar digest": func(in *SBOMInput) { in.Kit.Packages[1].Files.Digest = "" },
		"bad source":     func(in *SBOMInput) { in.Kit.Packages[1].Sources[0].Digest = "md5:00" },
	} {
		in := testSBOM()
		mod(&in)
		if _, err := SPDX(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLicenseExpression(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string // "" for an error
	}{
		{nil, "NOASSERTION"},
		{[]string{"NONE"}, "NONE"},
		{[]string{"Apache-2.0"}, "Apache-2.0"},
		{[]string{"MIT OR Apache-2.0"}, "MIT OR Apache-2.0"},
		{[]string{"MIT OR Apache-2.0", "BSD-3-Clause"}, "(MIT OR Apache-2.0) AND BSD-3-Clause"},
		{[]string{"BSD-3-Clause", "Apache-2.0", "BSD-3-Clause"}, "Apache-2.0 AND BSD-3-Clause"},
		{[]string{"( MIT OR Apache-2.0 )  AND GPL-2.0+"}, "(MIT OR Apache-2.0) AND GPL-2.0+"},
		{[]string{"LicenseRef-vendor-eula", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"}, "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2 AND LicenseRef-vendor-eula"},
		{[]string{""}, ""},
		{[]string{"MIT AND"}, ""},
		{[]string{"(MIT"}, ""},
		{[]string{"MIT)"}, ""},
		{[]string{"MIT Apache-2.0"}, ""},
		{[]string{"GPL-2.0 WITH"}, ""},
		{[]string{"MIT and Apache-2.0"}, ""},
		{[]string{"MIT AND NOASSERTION"}, ""},
		{[]string{"Apache_2.0"}, ""},
		{[]string{"NOASSERTION", "MIT"}, ""},
	} {
		got, err := licenseExpression(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("%q: got %q, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestSPDXIDString(t *testing.T) {
	if got := spdxIDString("kernel-6.6"); got != "kernel-6.6" {
		t.Errorf("clean name changed: %q", got)
	}
	a, b := spdxIDString("a_b"), spdxIDString("a+b")
	if a == b || !strings.HasPrefix(a, "a-b-") || !strings.HasPrefix(b, "a-b-") {
		t.Errorf("a_b -> %q, a+b -> %q", a, b)
	}
}
