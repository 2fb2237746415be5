// Package kitsrc packs what it takes to rebuild a kit into one deterministic tar, the
// "kit sources" that `kitbash publish kit` attaches to a kit as an OCI 1.1 referrer and
// `kitbash rebuild` unpacks: Kitbash.yaml, Kitbash.lock, kits/<name>/kit.yaml, the
// vendors' public keys, and for every package the kit's build builds, its spec folder
// and the path sources it names (../../agents, vendored modules included). Sources that
// specs pin by hash (url, apt, gomod) are not carried: a rebuild fetches them again
// through the source cache and lookaside.
//
// Nothing but the named paths is packed, so build outputs (build/, bin/, caches) never
// are; below a path source everything is, because a package's inputs digest hashes all
// of it (pkgbuild.PathDigest): leaving a file out would make the rebuild's inputs differ.
//
// The tar is deterministic: entries sorted by path, directories, regular files and
// symbolic links only, permission bits kept (the path digest hashes them), special bits
// dropped, uid and gid 0 with no user or group names, every time SOURCE_DATE_EPOCH, and
// no host path anywhere (names are relative to the project; a link may not leave it).
package kitsrc

// ArtifactType is the artifactType of the kit sources referrer, and the media type of
// its one layer, the tar.
const ArtifactType = "application/vnd.kitbash.kit.sources.v1+tar"

// DependencyPrefix starts the URI of the resolved dependency by which a kit's SLSA
// provenance records the digest of its sources tar: "kit-sources:<kit name>".
const DependencyPrefix = "kit-sources:"

// MaxSize bounds a sources tar: the most a kit's attachment may hold when it is read back.
const MaxSize = 256 << 20
