package rebuild

import (
	"fmt"
	"sort"

	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/pkg"
)

// compare matches the rebuilt kit against the published one: index digests, each
// package's files digest against the kit's package index and the SBOM, and, to explain a
// difference, the kit's metadata and each package's inputs.
func compare(p *published, b Built) Report {
	want := p.kit.Config
	r := Report{Digest: p.kit.Digest.String(), Rebuilt: b.Digest, Kit: want.Name, Version: want.Version,
		Sources: p.sourcesDigest, SBOM: p.sbomDigest, SignedBy: p.signedBy}
	pub, got := byName(want.Packages), byName(b.Config.Packages)
	names := map[string]bool{}
	for n := range pub {
		names[n] = true
	}
	for n := range got {
		names[n] = true
	}
	if p.sbom != nil {
		for n := range p.sbom.packages {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	allMatch := true
	for _, n := range sorted {
		pr := PackageResult{Name: n, Want: pub[n].Files.Digest, Got: got[n].Files.Digest}
		pr.Match = pr.Want != "" && pr.Want == pr.Got
		if p.sbom != nil {
			pr.SBOM = p.sbom.packages[n]
			pr.Match = pr.Match && pr.SBOM == pr.Want
		}
		allMatch = allMatch && pr.Match
		r.Packages = append(r.Packages, pr)
		r.Notes = append(r.Notes, packageNotes(n, pub[n], got[n], pr)...)
	}
	r.Notes = append(r.Notes, metadataNotes(want, b.Config)...)
	if p.sbom != nil && p.sbom.kit != r.Digest {
		r.Notes = append(r.Notes, fmt.Sprintf("the SBOM describes kit %s, not %s", orNone(p.sbom.kit), r.Digest))
		allMatch = false
	}
	r.Match = allMatch && r.Digest == r.Rebuilt
	return r
}

func byName(ms []pkg.Manifest) map[string]pkg.Manifest {
	out := make(map[string]pkg.Manifest, len(ms))
	for _, m := range ms {
		out[m.Name] = m
	}
	return out
}

// packageNotes says how a package's record differs beyond its files digest.
func packageNotes(name string, want, got pkg.Manifest, pr PackageResult) []string {
	switch {
	case pr.Want == "":
		return []string{fmt.Sprintf("package %s: the rebuild made it, the published kit does not carry it", name)}
	case pr.Got == "":
		return []string{fmt.Sprintf("package %s: the published kit carries it, the rebuild did not make it", name)}
	}
	var notes []string
	if pr.SBOM != "" && pr.SBOM != pr.Want {
		notes = append(notes, fmt.Sprintf("package %s: the SBOM lists %s, the kit's package index %s", name, pr.SBOM, pr.Want))
	}
	for _, f := range []struct{ what, a, b string }{
		{"version", fmt.Sprintf("%s-%d", want.Version, want.Release), fmt.Sprintf("%s-%d", got.Version, got.Release)},
		{"spec digest", want.SpecDigest, got.SpecDigest},
		{"inputs digest", want.InputsDigest, got.InputsDigest},
	} {
		if f.a != f.b {
			notes = append(notes, fmt.Sprintf("package %s: %s %s published, %s rebuilt", name, f.what, orNone(f.a), orNone(f.b)))
		}
	}
	if pr.Want != pr.Got && want.InputsDigest == got.InputsDigest {
		notes = append(notes, fmt.Sprintf("package %s: the same inputs gave other files: the published package was not built from these sources, or its build is not reproducible", name))
	}
	return notes
}

// metadataNotes says how the kits' metadata differ.
func metadataNotes(want, got kit.Config) []string {
	var notes []string
	for _, f := range []struct{ what, a, b string }{
		{"name", want.Name, got.Name},
		{"version", want.Version, got.Version},
		{"arch", want.Arch, got.Arch},
		{"created", want.Created, got.Created},
		{"source", want.Source, got.Source},
		{"revision", want.Revision, got.Revision},
		{"sdk", want.SDK, got.SDK},
		{"vendor", want.Vendor, got.Vendor},
	} {
		if f.a != f.b {
			notes = append(notes, fmt.Sprintf("kit %s: %s published, %s rebuilt", f.what, orNone(f.a), orNone(f.b)))
		}
	}
	return notes
}
