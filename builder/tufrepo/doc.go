// Package tufrepo makes and maintains TUF repositories of update images with go-tuf v2:
// keys, an empty repository, publishing a variant's update images plus manifest.json,
// refreshing timestamp and snapshot, rotating root, validating with the go-tuf client
// and checking expiry.
//
// Layout of a repository directory, servable by any static HTTP server:
//
//	metadata/N.root.json       every root version (clients walk them); root.json is the latest
//	metadata/N.targets.json    consistent snapshots: every version stays
//	metadata/N.snapshot.json
//	metadata/timestamp.json    the only file rewritten in place (atomically)
//	targets/<sha256>.<name>    target files, named by content
//
// Times never come from the clock here: callers pass WithNow. Metadata versions count up
// from 1, so the same keys, inputs and time give byte-identical metadata.
package tufrepo
