package tufrepo

import "github.com/kitbash-dev/kitbash/builder/semver"

func parseVersion(s string) (semver.Version, error) { return semver.Parse(s) }

// compareVersions orders two versions (see semver.Compare).
func compareVersions(a, b string) int { return semver.Compare(a, b) }
