package rebuild

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of a rebuild.
type Report struct {
	Ref      string          `json:"ref"`     // as given
	Digest   string          `json:"digest"`  // the published kit's index digest
	Rebuilt  string          `json:"rebuilt"` // the rebuilt kit's index digest
	Match    bool            `json:"match"`   // the same kit, byte for byte, and an SBOM that agrees
	Kit      string          `json:"kit"`
	Version  string          `json:"version"`
	Sources  string          `json:"sources"`            // digest of the sources tar it was rebuilt from
	SBOM     string          `json:"sbom,omitempty"`     // the SBOM referrer compared, if one is attached
	SignedBy string          `json:"signedBy,omitempty"` // the key whose signature verified (--key)
	WorkDir  string          `json:"workDir,omitempty"`  // where it was rebuilt, when kept
	Packages []PackageResult `json:"packages"`
	Notes    []string        `json:"notes,omitempty"` // what else differs, for finding out why
}

// PackageResult compares one package: the files digest (the sha256 of its tar).
type PackageResult struct {
	Name  string `json:"name"`
	Want  string `json:"want"`           // in the published kit's package index ("" if it has none)
	Got   string `json:"got"`            // in the rebuilt kit ("" if the rebuild made none)
	SBOM  string `json:"sbom,omitempty"` // in the published SBOM
	Match bool   `json:"match"`
}

// Differing names the packages that do not match, sorted.
func (r Report) Differing() []string {
	var out []string
	for _, p := range r.Packages {
		if !p.Match {
			out = append(out, p.Name)
		}
	}
	return out
}

// Summary is the outcome in one line.
func (r Report) Summary() string {
	if r.Match {
		return fmt.Sprintf("rebuilt %s: the same kit (%s), all %d packages match", r.Ref, r.Digest, len(r.Packages))
	}
	diff := r.Differing()
	switch len(diff) {
	case 0:
		return fmt.Sprintf("rebuild of %s does not match: kit %s, rebuilt %s; every package matches, its metadata differs (see the notes)", r.Ref, r.Digest, r.Rebuilt)
	case 1:
		p := r.Packages[indexOf(r.Packages, diff[0])]
		return fmt.Sprintf("rebuild of %s does not match: package %s differs (published %s, rebuilt %s%s)", r.Ref, p.Name, orNone(p.Want), orNone(p.Got), sbomNote(p))
	}
	return fmt.Sprintf("rebuild of %s does not match: packages %s differ", r.Ref, strings.Join(diff, ", "))
}

// WriteText prints the report for people: a table of packages and the verdict.
func (r Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "kit %s %s\n", r.Kit, r.Version)
	fmt.Fprintf(w, "  published  %s\n", r.Digest)
	fmt.Fprintf(w, "  rebuilt    %s\n", r.Rebuilt)
	fmt.Fprintf(w, "  sources    %s\n", r.Sources)
	if r.SignedBy != "" {
		fmt.Fprintf(w, "  signed by  key %s\n", r.SignedBy)
	}
	if r.WorkDir != "" {
		fmt.Fprintf(w, "  work dir   %s (kept)\n", r.WorkDir)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PACKAGE\tPUBLISHED\tREBUILT\tSBOM\tMATCH")
	for _, p := range r.Packages {
		sbom := short(p.SBOM)
		if r.SBOM == "" {
			sbom = "(none)"
		}
		verdict := "yes"
		if !p.Match {
			verdict = "NO"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, short(p.Want), short(p.Got), sbom, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	verdict := "MATCH"
	if !r.Match {
		verdict = "MISMATCH"
	}
	_, err := fmt.Fprintf(w, "%s: %s\n", verdict, r.Summary())
	return err
}

// short abbreviates a digest for the table: sha256: and 12 hex digits.
func short(d string) string {
	if d == "" {
		return "-"
	}
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

func orNone(d string) string {
	if d == "" {
		return "none"
	}
	return d
}

func sbomNote(p PackageResult) string {
	if p.SBOM != "" && p.SBOM != p.Want {
		return ", SBOM " + p.SBOM
	}
	return ""
}

func indexOf(ps []PackageResult, name string) int {
	for i, p := range ps {
		if p.Name == name {
			return i
		}
	}
	return -1
}
