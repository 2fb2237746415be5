// Package tufclient is a minimal TUF 1.0 client written with the standard library only,
// for the in-guest updater. It reads the repositories `kitbash repo` publishes (go-tuf v2
// on the build side): top-level roles only (no delegations), ed25519 keys, consistent
// snapshots or not.
//
// A Client starts from a trusted root given as bytes (baked into the image) and an
// optional cache directory holding the metadata it trusted before (N.root.json for
// every root it walked, timestamp.json, snapshot.json, targets.json). Refresh follows
// the client workflow of the TUF specification (section 5): it walks N+1.root.json,
// then fetches timestamp, snapshot and targets, checking signature thresholds, versions
// (rollback), hashes and lengths, and expiry against the time of an injected clock read
// once per Refresh. Target reports a target's length and hashes; Download streams it
// while hashing and counting.
//
// Signatures are checked over the OLPC canonical JSON form of "signed" (sorted keys, no
// insignificant whitespace, only `"` and `\` escaped), with the key ids the root lists.
//
// Errors start with "tuf: " and the role or target, e.g.
//
//	tuf: timestamp: expired at 2026-01-01T00:00:00Z
//	tuf: snapshot: version 3 is older than trusted version 4 (rollback)
//	tuf: targets: signed by 0 of threshold 1 trusted keys
//	tuf: target dev-x86_64-0.2.0-root.zst: longer than its 1234 bytes
package tufclient
