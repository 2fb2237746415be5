// Package migrate moves a settings datastore (package datastore) between OS versions,
// forward and backward, using declarative migrations shipped with the OS.
//
// # Migration files
//
// A migrations directory (in the image: /usr/share/kitbash/migrations) holds one file
// per OS version that changed the settings, named <version>.json where <version> is a
// semantic version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]). The file describes the
// change from the previous version to <version>: "forward" upgrades a datastore to
// <version>, "backward" turns it back into one for the version before. Decoding is
// strict: unknown fields, missing fields, fields an operation does not take, and
// trailing data are errors naming the file, the list, the operation index and the field.
//
//	{
//	  "schemaVersion": 1,
//	  "forward": [
//	    {"op": "add", "key": "network.mtu", "value": 1500},
//	    {"op": "rename", "from": "motd", "to": "host.motd"},
//	    {"op": "transform", "key": "kernel.lockdown", "fn": "map({\"none\":\"off\"})"},
//	    {"op": "remove", "key": "legacy.flag"}
//	  ],
//	  "backward": [
//	    {"op": "remove", "key": "network.mtu"},
//	    {"op": "rename", "from": "host.motd", "to": "motd"},
//	    {"op": "transform", "key": "kernel.lockdown", "fn": "map({\"off\":\"none\"})"}
//	  ]
//	}
//
// Keys are dotted paths into the settings tree ("a.b" is settings["a"]["b"]). The
// operations:
//
//   - add {key, value}: sets key to value (any JSON value) if key is absent; an existing
//     value is kept. Missing parent objects are created.
//   - remove {key}: deletes key if present; parents left empty are deleted too.
//   - rename {from, to}: moves the value at from to to; nothing happens if from is
//     absent; it is an error if to is already set.
//   - transform {key, fn}: rewrites the value at key with one function; nothing happens
//     if key is absent. Functions (arguments are JSON values):
//     to-string (number or bool to its text), to-int (integral number or decimal
//     string to a number), lowercase, uppercase (strings), replace("old","new") (every
//     occurrence, in a string), split("sep") (string to a list of strings; "" gives []),
//     join("sep") (list of strings to a string), map({"from":to,...}) (a string, number
//     or bool, looked up by its text, replaced by the mapped JSON value; a value the map
//     does not name is an error).
//
// A value of the wrong type for a function is an error, and any error aborts the whole
// migration.
//
// # Paths between versions
//
// Versions are ordered by semantic-version precedence. From A to a newer B the forward
// lists of every file with A < version <= B run in ascending order; from A to an older B
// the backward lists of every file with B < version <= A run in descending order. A
// version without a file had no settings change. Going backward needs the files of the
// newer versions, which the older OS does not ship, so a backward path requires a file
// for A itself (possibly with empty lists) as evidence that the directory knows A.
//
// # Staged migrations
//
// The updater stages the migration files of every move it applies in
// <staged>/<target version>/ and writes StagedInfoFile ({"from", "to"}) last. Migrate
// (Options.StagedDir) adds the files of the staged directories of the datastore's
// version and of the target version whose info names the same two versions, in either
// direction; the image's own file of a version wins. Such a directory is the complete
// list of changes between the two versions, so it is also the evidence a backward path
// needs: going back after a downgrade (the older image lacks the newer files) or after
// an automatic rollback from a version that changed nothing.
//
// # On disk
//
// Migrate works on a copy: v<old> is read, migrated in memory, written to v<new>.tmp,
// renamed to v<new>, and only then is current repointed (datastore.SetCurrent). Any
// failure removes the temporary copy and leaves current and v<old> untouched.
package migrate
