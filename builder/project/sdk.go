package project

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// InputsDigest identifies what an SDK image is made from: "sha256:<hex>" over the
// canonical JSON of name, suite, go-version and packages (in the given order). The
// registry is left out: where an SDK is stored does not change what is in it.
func (s SDK) InputsDigest() string {
	packages := s.Packages
	if packages == nil {
		packages = []string{}
	}
	data, _ := json.Marshal(struct { // cannot fail: only strings
		Name      string   `json:"name"`
		Suite     string   `json:"suite"`
		GoVersion string   `json:"go-version"`
		Packages  []string `json:"packages"`
	}{s.Name, s.Suite, s.GoVersion, packages})
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
