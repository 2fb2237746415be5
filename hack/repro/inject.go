package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// injectedPackage is the package -inject-nondeterminism adds to both project copies.
const injectedPackage = "repro-clock"

// injectedFile is the file in it that holds the wall clock of its build.
const injectedFile = "usr/share/repro-clock/built-at"

// injectedSpec stamps the wall-clock time of the build step into its output: a
// deliberate nondeterminism that SOURCE_DATE_EPOCH cannot hide, so two builds must differ.
const injectedSpec = `# Added by hack/repro -inject-nondeterminism (never part of the repository): it stamps
# the wall clock into its output, so two builds differ and make repro must say where.
schema-version: 1
name: repro-clock
version: "1.0"
release: 1
summary: Deliberately nondeterministic package (make repro's self-test)
license: Apache-2.0
build: |
  mkdir -p "$DESTDIR/usr/share/repro-clock"
  date +%s.%N > "$DESTDIR/` + injectedFile + `"
test: |
  test -s "$DESTDIR/` + injectedFile + `"
`

// inject writes the nondeterministic package's spec into a project.
func inject(project string) error {
	dir := filepath.Join(project, "specs", injectedPackage)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("inject %s: %w", injectedPackage, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(injectedSpec), 0o644); err != nil {
		return fmt.Errorf("inject %s: %w", injectedPackage, err)
	}
	return nil
}
