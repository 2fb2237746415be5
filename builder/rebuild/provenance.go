package rebuild

import (
	"encoding/json"
	"fmt"

	"github.com/kitbash-dev/kitbash/builder/kitsrc"
)

// recordedSources returns the sources tar digest (sha256:<hex>) a provenance statement
// records for the kit, "" when it records none (published before sources were).
func recordedSources(b []byte, kitName string) (string, error) {
	var st struct {
		Predicate struct {
			BuildDefinition struct {
				ResolvedDependencies []struct {
					URI    string            `json:"uri"`
					Digest map[string]string `json:"digest"`
				} `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return "", fmt.Errorf("provenance: %w", err)
	}
	for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		if d.URI == kitsrc.DependencyPrefix+kitName && d.Digest["sha256"] != "" {
			return "sha256:" + d.Digest["sha256"], nil
		}
	}
	return "", nil
}
