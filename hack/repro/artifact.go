package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// The kinds of artifact a run compares, in the order they are reported.
const (
	kindSDK     = "sdk"
	kindPackage = "package"        // a package's deterministic tar (files digest)
	kindInputs  = "package inputs" // the digest of everything a package was built from
	kindKit     = "kit"
	kindImage   = "image file" // a file listed in the image's SHA256SUMS
)

// kindRank orders kinds for reports: root causes (packages) before what is made of them.
func kindRank(kind string) int {
	switch kind {
	case kindSDK:
		return 0
	case kindPackage:
		return 1
	case kindInputs:
		return 2
	case kindKit:
		return 3
	case kindImage:
		return 4
	}
	return 5
}

// artifact is one built thing of one machine: what it is, its digest, and where it lies
// so that diffoscope can be pointed at it.
type artifact struct {
	kind, name, digest string
	where              location
}

// location is where an artifact lies on its machine: a file, or an OCI layout store that
// holds the artifact's digest (the SDK and kits).
type location struct {
	file  string
	store string
}

// parseSums reads a SHA256SUMS file (`sha256sum` format: hex digest, two spaces or a space
// and '*', file name) into file name → "sha256:<hex>".
func parseSums(r io.Reader) (map[string]string, error) {
	sums := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		sum, name, ok := strings.Cut(line, " ")
		name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
		if !ok || len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" || name == "" {
			return nil, fmt.Errorf("SHA256SUMS line %d: %q is not \"<sha256 hex>  <file>\"", n, line)
		}
		if _, dup := sums[name]; dup {
			return nil, fmt.Errorf("SHA256SUMS line %d: %s is listed twice", n, name)
		}
		sums[name] = "sha256:" + sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read SHA256SUMS: %w", err)
	}
	return sums, nil
}
