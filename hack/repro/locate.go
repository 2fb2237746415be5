package main

import "fmt"

// pair is two files that should be equal and are not: what diffoscope compares.
type pair struct {
	label string // what they are, for the report
	a, b  string // machine A's file and machine B's
	key   string // the two digests: a pair met twice (a kit layer is a package) is shown once
}

// pairsFor finds the files behind a mismatch: a package's tars, its manifests (which list
// its inputs), an image's files, or the differing blobs of the SDK or a kit in each
// machine's OCI store. An artifact only one machine made has nothing to compare.
func pairsFor(x mismatch) ([]pair, error) {
	if x.a == nil || x.b == nil {
		return nil, nil
	}
	label := x.kind + " " + x.name
	switch x.kind {
	case kindSDK, kindKit:
		return ociPairs(label, x.a.where.store, x.a.digest, x.b.where.store, x.b.digest)
	case kindPackage, kindInputs, kindImage:
		return []pair{{label: label, a: x.a.where.file, b: x.b.where.file, key: x.a.digest + " " + x.b.digest}}, nil
	}
	return nil, fmt.Errorf("no way to locate a %s", x.kind)
}
