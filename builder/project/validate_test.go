package project

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestValidProject(t *testing.T) {
	p, err := parseProject(FileName, readTestdata(t, "valid.yaml"))
	if err != nil {
		t.Fatalf("valid.yaml: %v", err)
	}
	want := Project{
		SchemaVersion: 1, ReleaseVersion: "0.1.0",
		SDK: SDK{Name: "kitbash-sdk", Suite: "bookworm", GoVersion: "1.26.8",
			Packages: []string{"build-essential", "erofs-utils", "bash=5.2.15-2+b7"}},
		Vendors: map[string]Vendor{"core": {Registry: "127.0.0.1:5000/kitbash", Keys: []string{"keys/core.pub"}}},
		Kits:    []KitRef{{Name: "core", Version: "1.2.0", Vendor: "core"}},
		Signing: &Signing{Key: "keys/cosign.key", PasswordEnv: "KITBASH_SIGNING_PASSWORD"},
		Cache:   Cache{MaxSize: 20 << 30, KeepDuration: Duration(168 * time.Hour), Import: []string{}, Export: []string{}},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got\n%+v\nwant\n%+v", p, want)
	}
}

func TestInvalidProjects(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{{
		file: "unknown-field.yaml",
		want: []string{
			`Kitbash.yaml:1: missing required field "release-version"; fix: write a version like release-version: 0.1.0`,
			`Kitbash.yaml:2: unknown field "relase-version"; fix: did you mean "release-version"? otherwise remove it, or use one of: schema-version, release-version, sdk, vendors, kits, signing, cache, sources, prefer`,
			`Kitbash.yaml:8: sdk.mirror: unknown field "mirror"; fix: remove it, or use one of: name, suite, go-version, packages, registry`,
		},
	}, {
		file: "wrong-type.yaml",
		want: []string{
			`Kitbash.yaml:1: schema-version: expected an integer, got "1"; fix: write schema-version: 1 (the only version this kitbash supports)`,
			`Kitbash.yaml:7: sdk.go-version: expected a string, got a mapping; fix: write the Go toolchain version, e.g. go-version: 1.26.8`,
			`Kitbash.yaml:8: sdk.packages: expected a list, got "make"; fix: list the Debian packages of the SDK, one "- name" or "- name=version" per line`,
			`Kitbash.yaml:10: cache.max-size: invalid value "20XB": "20XB" has unknown unit "XB"; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB; fix: write a size like 20GiB or 512MB`,
			`Kitbash.yaml:11: cache.keep-duration: invalid value "a week": not a Go duration (like 168h or 90m): time: invalid duration "a week"; fix: write a Go duration like 168h or 30m`,
		},
	}, {
		file: "missing-required.yaml",
		want: []string{
			`Kitbash.yaml:1: missing required field "schema-version"; fix: write schema-version: 1 (the only version this kitbash supports)`,
			`Kitbash.yaml:2: missing required field "sdk.go-version"; fix: write the Go toolchain version, e.g. go-version: 1.26.8`,
			`Kitbash.yaml:2: missing required field "sdk.suite"; fix: name the Debian suite the SDK is made from, e.g. suite: bookworm`,
			`Kitbash.yaml:4: sdk.packages: must list at least one package; fix: list the Debian packages of the SDK, e.g. - build-essential`,
			`Kitbash.yaml:6: missing required field "kits[0].vendor"; fix: name one of the vendors: entries, e.g. vendor: core`,
		},
	}, {
		file: "bad-semver.yaml",
		want: []string{
			`Kitbash.yaml:2: release-version: "1.0" is not a semantic version (MAJOR.MINOR.PATCH[-pre]); fix: write MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 0.1.0 or 1.2.0-rc.1`,
			`Kitbash.yaml:6: sdk.go-version: "1.26rc1" is not a Go release version (1.N or 1.N.M); fix: write e.g. go-version: 1.26.8`,
		},
	}, {
		file: "unknown-vendor.yaml",
		want: []string{
			`Kitbash.yaml:14: kits[0].vendor: unknown vendor "corp"; fix: use one of: core; or add "corp" under vendors:`,
		},
	}, {
		file: "many-problems.yaml",
		want: []string{
			`Kitbash.yaml:1: schema-version: unsupported schema-version 2; fix: this kitbash supports schema-version 1 only; write schema-version: 1, or use a kitbash that reads this version`,
			`Kitbash.yaml:2: release-version: "v1.0.0" is not a semantic version (MAJOR.MINOR.PATCH[-pre]); fix: write MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 0.1.0 or 1.2.0-rc.1`,
			`Kitbash.yaml:4: sdk.name: "Kitbash SDK" is not a valid name; fix: use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. my-sdk`,
			`Kitbash.yaml:9: sdk.packages[1]: "Bad_Name" is not a valid Debian package name; fix: write a Debian package name (lowercase letters, digits, '+', '-', '.'), optionally "=version", e.g. bash=5.2.15-2+b7`,
			`Kitbash.yaml:10: sdk.packages[2]: package "make" is listed twice (first at line 8); fix: remove one of them`,
			`Kitbash.yaml:11: sdk.packages[3]: "1.5/beta" is not a valid Debian version; fix: write a Debian package name (lowercase letters, digits, '+', '-', '.'), optionally "=version", e.g. bash=5.2.15-2+b7`,
			`Kitbash.yaml:12: sdk.registry: "https://registry.example.com/sdk" has a URL scheme; write the repository without it; fix: write HOST[:PORT]/PATH, e.g. registry: 127.0.0.1:5000/kitbash/sdk, or remove the line`,
			`Kitbash.yaml:15: vendors.core.registry: must not be empty; fix: write HOST[:PORT]/PATH, e.g. registry: 127.0.0.1:5000/kitbash`,
			`Kitbash.yaml:16: vendors.core.keys[0]: "/etc/keys/core.pub" is an absolute path; paths are relative to the project directory; fix: write the public key file relative to the project directory, e.g. keys/core.pub`,
			`Kitbash.yaml:16: vendors.core.keys[1]: "../outside.pub" points outside the project directory; fix: write the public key file relative to the project directory, e.g. keys/core.pub`,
			`Kitbash.yaml:17: vendors.Other: "Other" is not a valid vendor id; fix: use lowercase letters, digits and '-', e.g. core`,
			`Kitbash.yaml:18: vendors.Other.registry: "127.0.0.1:5000/other:latest" is not a repository of the form HOST[:PORT]/PATH (without tag or digest); fix: write HOST[:PORT]/PATH, e.g. registry: 127.0.0.1:5000/kitbash`,
			`Kitbash.yaml:23: kits[1].name: kit "core" is listed twice (first at line 20); fix: remove one of them`,
			`Kitbash.yaml:28: signing.password-env: "1PASSWORD" is not an environment variable name; fix: use letters, digits and '_', not starting with a digit, e.g. KITBASH_SIGNING_PASSWORD`,
			`Kitbash.yaml:30: cache.max-size: must be greater than 0; fix: write a size like 20GiB, or remove the line for the default`,
			`Kitbash.yaml:31: cache.keep-duration: must be a positive duration; fix: write a duration like 168h, or remove the line for the default`,
			`Kitbash.yaml:32: cache.import[0]: must not be empty; fix: write a BuildKit cache ref like type=registry,ref=127.0.0.1:5000/kitbash/cache, or remove the entry`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := parseProject(FileName, readTestdata(t, tt.file))
			var ps yamlstrict.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %v (%T) is not yamlstrict.Problems", err, err)
			}
			for _, p := range ps {
				if p.File != FileName || p.Line == 0 || p.Field == "" || p.Fix == "" {
					t.Errorf("incomplete problem %+v", p)
				}
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestValidateWithoutDoc(t *testing.T) {
	p := Project{SchemaVersion: 1, ReleaseVersion: "0.1.0",
		SDK: SDK{Name: "s", Suite: "bookworm", GoVersion: "1.26", Packages: []string{"make"}}}
	if err := p.Validate(nil); err != nil {
		t.Fatalf("Validate(nil) = %v", err)
	}
	p.Kits = []KitRef{{Name: "k", Version: "1.0.0", Vendor: "v"}}
	want := `kits[0].vendor: unknown vendor "v"; fix: add a vendors: section with an entry "v" (its registry and keys)`
	if err := p.Validate(nil); err == nil || err.Error() != want {
		t.Errorf("Validate(nil) = %v, want %s", err, want)
	}
}
