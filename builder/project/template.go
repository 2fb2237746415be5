package project

import (
	"fmt"
	"strings"
)

// renderProject writes the commented Kitbash.yaml of a new project.
func renderProject(name, releaseVersion string, packages []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `# Kitbash.yaml: the project file of %[1]s, read by kitbash.
# kitbash checks it strictly: unknown fields, wrong types and bad values are reported
# with their line, all at once.

# Format of this file; this kitbash reads version 1.
schema-version: 1

# Version of the OS release this project builds: MAJOR.MINOR.PATCH, optionally -pre.
release-version: %[2]s

# The SDK is the container image every package and image is built in: a Debian suite
# made with mmdebstrap, plus a Go toolchain from the Go module proxy. Its digest is
# pinned in Kitbash.lock by `+"`kitbash sdk build`"+` (or `+"`kitbash sdk pull`"+`); changing
# this section makes that pin stale.
sdk:
  name: %[1]s-sdk
  suite: %[3]s
  go-version: %[4]s
  # Debian packages, "name" or "name=version".
  packages:
`, name, releaseVersion, DefaultSuite, DefaultGoVersion)
	for _, p := range packages {
		fmt.Fprintf(&b, "    - %s\n", p)
	}
	fmt.Fprintf(&b, `  # Repository the SDK is pushed to and pulled from (optional):
  # registry: 127.0.0.1:5000/%[1]s/sdk

# Where external kits come from, and the public keys (relative to this directory) their
# signatures must match.
# vendors:
#   core:
#     registry: 127.0.0.1:5000/kitbash
#     keys: [keys/core.pub]

# External kits this project builds on.
# kits:
#   - name: core
#     version: 1.2.0
#     vendor: core

# Signing of what this project publishes: a cosign key file, and the environment
# variable kitbash reads its password from.
# signing:
#   key: keys/cosign.key
#   password-env: KITBASH_SIGNING_PASSWORD

# BuildKit cache: `+"`kitbash engine prune`"+` keeps it under max-size and drops entries unused
# for keep-duration. import/export take BuildKit cache refs (type=registry,ref=...).
cache:
  max-size: 20GiB
  keep-duration: 168h
`, name)
	return []byte(b.String())
}

const gitignore = "# Kitbash build outputs\n/build/\n"
