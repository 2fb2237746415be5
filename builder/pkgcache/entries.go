package pkgcache

import (
	"os"
	"path/filepath"

	"github.com/moby/buildkit/client"
)

// BuildKitTag is the tag prefix of BuildKit's cache in a registry repository: one tag
// per package, "buildkit-<package>", because every export replaces its tag.
const BuildKitTag = "buildkit"

func registryTag(pkg string) string { return BuildKitTag + "-" + pkg }

func (r Ref) buildkitDir() string { return filepath.Join(r.Dir, "buildkit") }

// ExportEntry is, for the build of package pkg, the client.SolveOpt.CacheExports entry that writes BuildKit's cache
// here, every intermediate result included (mode=max). Export errors are not ignored. An
// invalid Ref gives a zero entry.
func (r Ref) ExportEntry(pkg string) client.CacheOptionsEntry {
	switch r.Kind {
	case Local:
		return client.CacheOptionsEntry{Type: "local", Attrs: map[string]string{
			"dest": r.buildkitDir(),
			"mode": "max",
			"tag":  pkg,
		}}
	case Registry:
		return client.CacheOptionsEntry{Type: "registry", Attrs: map[string]string{
			"ref":            r.Repo + ":" + registryTag(pkg),
			"mode":           "max",
			"image-manifest": "true",
			"oci-mediatypes": "true",
		}}
	}
	return client.CacheOptionsEntry{}
}

// ImportEntry is, for the build of package pkg, the client.SolveOpt.CacheImports entry that reads BuildKit's cache
// from here. ok is false when there is nothing to import: a local directory without
// BuildKit's index.json (BuildKit would skip it with a warning), or an invalid Ref. A
// registry entry is always returned: BuildKit treats a missing tag as an empty cache.
// Each call returns a fresh map (the BuildKit client writes into it).
func (r Ref) ImportEntry(pkg string) (client.CacheOptionsEntry, bool) {
	switch r.Kind {
	case Local:
		if _, err := os.Stat(filepath.Join(r.buildkitDir(), "index.json")); err != nil {
			return client.CacheOptionsEntry{}, false
		}
		return client.CacheOptionsEntry{Type: "local", Attrs: map[string]string{"src": r.buildkitDir(), "tag": pkg}}, true
	case Registry:
		return client.CacheOptionsEntry{Type: "registry", Attrs: map[string]string{"ref": r.Repo + ":" + registryTag(pkg)}}, true
	}
	return client.CacheOptionsEntry{}, false
}
