package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/kit"
)

// SBOMInput is what an SBOM of a kit is made from.
type SBOMInput struct {
	Kit    kit.Config // name, version, vendor, created (RFC 3339, from SOURCE_DATE_EPOCH), packages
	Digest string     // the kit's index digest, sha256:<hex>
	Repo   string     // where the kit is published, e.g. registry.example/kits/core (may be empty)
}

// SPDX document namespaces are https://kitbash.dev/spdx/<kit>/<version>/<hex of the kit digest>.
const spdxNamespace = "https://kitbash.dev/spdx/"

const noAssertion = "NOASSERTION"

type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name                  string            `json:"name"`
	SPDXID                string            `json:"SPDXID"`
	VersionInfo           string            `json:"versionInfo,omitempty"`
	Supplier              string            `json:"supplier,omitempty"`
	DownloadLocation      string            `json:"downloadLocation"`
	FilesAnalyzed         bool              `json:"filesAnalyzed"`
	Checksums             []spdxChecksum    `json:"checksums,omitempty"`
	SourceInfo            string            `json:"sourceInfo,omitempty"`
	LicenseConcluded      string            `json:"licenseConcluded"`
	LicenseDeclared       string            `json:"licenseDeclared"`
	CopyrightText         string            `json:"copyrightText"`
	Comment               string            `json:"comment,omitempty"`
	ExternalRefs          []spdxExternalRef `json:"externalRefs,omitempty"`
	PrimaryPackagePurpose string            `json:"primaryPackagePurpose,omitempty"`
}

type spdxChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type spdxExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	SPDXElementID      string `json:"spdxElementId"`
	RelationshipType   string `json:"relationshipType"`
	RelatedSPDXElement string `json:"relatedSpdxElement"`
}

// SPDX returns an SPDX 2.3 JSON document of the kit: one package for the kit (SPDXRef-Kit,
// described by the document), one per contained package (the kit CONTAINS it) with its
// declared licenses and the SHA256 of its tar, and one per distinct source (purpose
// SOURCE) that packages are GENERATED_FROM. The bytes depend on the input only: packages
// and relationships are sorted, the creation time is the kit's created time and the
// namespace comes from the kit digest.
func SPDX(in SBOMInput) ([]byte, error) {
	k := in.Kit
	if k.Name == "" || k.Version == "" {
		return nil, fmt.Errorf("spdx: kit name and version are required")
	}
	kitHex, err := parseSHA256(in.Digest)
	if err != nil {
		return nil, fmt.Errorf("spdx of kit %s: %w", k.Name, err)
	}
	created, err := utcSeconds(k.Created)
	if err != nil {
		return nil, fmt.Errorf("spdx of kit %s: %w", k.Name, err)
	}
	supplier := noAssertion
	if k.Vendor != "" {
		supplier = "Organization: " + k.Vendor
	}
	kitPkg := spdxPackage{
		Name: k.Name, SPDXID: "SPDXRef-Kit", VersionInfo: k.Version, Supplier: supplier,
		DownloadLocation: noAssertion,
		Checksums:        []spdxChecksum{{"SHA256", kitHex}},
		LicenseConcluded: noAssertion, LicenseDeclared: noAssertion, CopyrightText: noAssertion,
		Comment:               "kitbash kit (OCI image index " + in.Digest + ")",
		ExternalRefs:          []spdxExternalRef{{"PACKAGE-MANAGER", "purl", kitPURL(k.Name, kitHex, in.Repo)}},
		PrimaryPackagePurpose: "OTHER",
	}
	if k.Source != "" {
		kitPkg.SourceInfo = "built from " + k.Source
		if k.Revision != "" {
			kitPkg.SourceInfo += " at revision " + k.Revision
		}
	}

	doc := spdxDocument{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:              k.Name + "-" + k.Version,
		DocumentNamespace: spdxNamespace + url.PathEscape(k.Name) + "/" + url.PathEscape(k.Version) + "/" + kitHex,
		CreationInfo:      spdxCreationInfo{Created: created, Creators: []string{"Tool: kitbash"}},
		Packages:          []spdxPackage{kitPkg},
		Relationships:     []spdxRelationship{{"SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Kit"}},
	}

	pkgs := append(k.Packages[:0:0], k.Packages...)
	sort.SliceStable(pkgs, func(i, j int) bool { return pkgs[i].Name < pkgs[j].Name })
	ids := map[string]string{} // SPDXID -> what it names, to catch duplicates
	sources := map[string]spdxPackage{}
	var generated []spdxRelationship
	for _, p := range pkgs {
		if p.Name == "" {
			return nil, fmt.Errorf("spdx of kit %s: a package has no name", k.Name)
		}
		id := "SPDXRef-Package-" + spdxIDString(p.Name)
		if prev, dup := ids[id]; dup {
			return nil, fmt.Errorf("spdx of kit %s: package %s is listed twice (as %s)", k.Name, p.Name, prev)
		}
		ids[id] = p.Name
		tarHex, err := parseSHA256(p.Files.Digest)
		if err != nil {
			return nil, fmt.Errorf("spdx of kit %s: package %s files: %w", k.Name, p.Name, err)
		}
		lic, err := licenseExpression(p.Licenses)
		if err != nil {
			return nil, fmt.Errorf("spdx of kit %s: package %s: %w", k.Name, p.Name, err)
		}
		doc.Packages = append(doc.Packages, spdxPackage{
			Name: p.Name, SPDXID: id, VersionInfo: p.Version + "-" + strconv.Itoa(p.Release),
			Supplier: supplier, DownloadLocation: noAssertion,
			Checksums:        []spdxChecksum{{"SHA256", tarHex}},
			LicenseConcluded: noAssertion, LicenseDeclared: lic, CopyrightText: noAssertion,
		})
		doc.Relationships = append(doc.Relationships, spdxRelationship{"SPDXRef-Kit", "CONTAINS", id})
		for _, s := range p.Sources {
			srcHex, err := parseSHA256(s.Digest)
			if err != nil {
				return nil, fmt.Errorf("spdx of kit %s: package %s source %s: %w", k.Name, p.Name, s.Name, err)
			}
			if s.Name == "" {
				return nil, fmt.Errorf("spdx of kit %s: package %s has a source without a name", k.Name, p.Name)
			}
			// One SPDX package per distinct source, shared by the packages built from it.
			sid := "SPDXRef-Source-" + spdxIDString(s.Name) + "-" + srcHex[:12]
			if _, ok := sources[sid]; !ok {
				comment := "package source"
				if s.Kind != "" {
					comment = s.Kind + " source"
				}
				sources[sid] = spdxPackage{
					Name: s.Name, SPDXID: sid, DownloadLocation: noAssertion,
					Checksums:        []spdxChecksum{{"SHA256", srcHex}},
					LicenseConcluded: noAssertion, LicenseDeclared: noAssertion, CopyrightText: noAssertion,
					Comment: comment, PrimaryPackagePurpose: "SOURCE",
				}
			}
			generated = append(generated, spdxRelationship{id, "GENERATED_FROM", sid})
		}
	}

	sids := make([]string, 0, len(sources))
	for sid := range sources {
		sids = append(sids, sid)
	}
	sort.Strings(sids)
	for _, sid := range sids {
		doc.Packages = append(doc.Packages, sources[sid])
	}
	sort.Slice(generated, func(i, j int) bool {
		a, b := generated[i], generated[j]
		if a.SPDXElementID != b.SPDXElementID {
			return a.SPDXElementID < b.SPDXElementID
		}
		return a.RelatedSPDXElement < b.RelatedSPDXElement
	})
	for i, r := range generated {
		if i == 0 || r != generated[i-1] {
			doc.Relationships = append(doc.Relationships, r)
		}
	}

	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("spdx of kit %s: %w", k.Name, err)
	}
	return append(b, '\n'), nil
}

// spdxIDString makes s usable in an SPDXID (letters, digits, "." and "-"). A name that
// needs changing gets a short hash of itself appended, so different names stay
// different ("a_b" and "a-b" do not collide).
func spdxIDString(s string) string {
	ok := true
	out := []byte(s)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			out[i] = '-'
			ok = false
		}
	}
	if ok {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return string(out) + "-" + hex.EncodeToString(sum[:4])
}

// kitPURL is the package URL of the kit: pkg:oci/<name>@sha256%3A<hex>, with
// ?repository_url=<repo> when it is published (the name is the repository's last path
// element, as the purl oci type wants).
func kitPURL(kitName, hex, repo string) string {
	name := kitName
	if repo != "" {
		name = path.Base(repo)
	}
	p := "pkg:oci/" + url.PathEscape(strings.ToLower(name)) + "@sha256%3A" + hex
	if repo != "" {
		p += "?repository_url=" + strings.ReplaceAll(url.QueryEscape(repo), "%2F", "/")
	}
	return p
}
