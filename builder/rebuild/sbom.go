package rebuild

import (
	"encoding/json"
	"fmt"
)

// sbomList is what an SBOM says a kit contains.
type sbomList struct {
	kit      string            // the kit's checksum, sha256:<hex>
	packages map[string]string // package name -> its tar's sha256:<hex>
}

// parseSBOM reads the packages a kit's SPDX document says the kit CONTAINS, with their
// SHA256 checksums (attest.SPDX writes it so).
func parseSBOM(b []byte) (sbomList, error) {
	var doc struct {
		Packages []struct {
			Name      string `json:"name"`
			SPDXID    string `json:"SPDXID"`
			Checksums []struct {
				Algorithm string `json:"algorithm"`
				Value     string `json:"checksumValue"`
			} `json:"checksums"`
		} `json:"packages"`
		Relationships []struct {
			From string `json:"spdxElementId"`
			Type string `json:"relationshipType"`
			To   string `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return sbomList{}, fmt.Errorf("SBOM: %w", err)
	}
	type named struct{ name, sha256 string }
	byID := map[string]named{}
	for _, p := range doc.Packages {
		n := named{name: p.Name}
		for _, c := range p.Checksums {
			if c.Algorithm == "SHA256" {
				n.sha256 = "sha256:" + c.Value
			}
		}
		byID[p.SPDXID] = n
	}
	out := sbomList{kit: byID["SPDXRef-Kit"].sha256, packages: map[string]string{}}
	for _, r := range doc.Relationships {
		if r.From != "SPDXRef-Kit" || r.Type != "CONTAINS" {
			continue
		}
		p, ok := byID[r.To]
		if !ok {
			return sbomList{}, fmt.Errorf("SBOM: the kit contains %s, which it does not describe", r.To)
		}
		out.packages[p.name] = p.sha256
	}
	return out, nil
}
