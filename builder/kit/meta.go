// Package kit makes, reads and checks kits: a set of built packages packed as one OCI
// artifact (an image index with one manifest per architecture; each manifest has the
// kit's metadata as its config and one layer per package).
package kit

import "github.com/kitbash-dev/kitbash/builder/pkg"

// Media and artifact types of a kit.
const (
	ArtifactType    = "application/vnd.kitbash.kit.v1+json"
	ConfigMediaType = "application/vnd.kitbash.kit.config.v1+json"
	// LayerMediaType is one package's deterministic tar, uncompressed.
	LayerMediaType = "application/vnd.kitbash.package.layer.v1.tar"
	// ConfigSchema is the schemaVersion of Config this kitbash writes and reads.
	ConfigSchema = 1
)

// Annotations on a kit's manifests and index.
const (
	AnnotationVersion  = "org.opencontainers.image.version"
	AnnotationCreated  = "org.opencontainers.image.created"
	AnnotationSource   = "org.opencontainers.image.source"
	AnnotationRevision = "org.opencontainers.image.revision"
	AnnotationTitle    = "org.opencontainers.image.title"
	AnnotationKit      = "dev.kitbash.kit.name"
	AnnotationPackage  = "dev.kitbash.package.name"
)

// Config is a kit's metadata: the config blob of each per-architecture manifest.
type Config struct {
	SchemaVersion int    `json:"schemaVersion"`
	Name          string `json:"name"`
	Version       string `json:"version"`
	Vendor        string `json:"vendor,omitempty"`
	Arch          string `json:"arch"`    // x86_64
	Created       string `json:"created"` // RFC 3339, from SOURCE_DATE_EPOCH
	Source        string `json:"source,omitempty"`
	Revision      string `json:"revision,omitempty"`
	SDK           string `json:"sdk"` // digest of the SDK the packages were built with
	// Packages is the package index, sorted by name; package i is layer i.
	Packages []pkg.Manifest `json:"packages"`
}
