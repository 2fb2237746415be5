package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `schema-version: 1
name: hello
version: 1.0.0
release: 1
summary: says hello
license: MIT
sources:
  - path: files/greeting
  - url: https://example.org/hello-1.0.tar.gz
    sha256: 0000000000000000000000000000000000000000000000000000000000000000
  - apt: ca-certificates
    version: 20250419~deb12u2
    sha256: 1111111111111111111111111111111111111111111111111111111111111111
  - gomod: github.com/opencontainers/runc
    version: v1.3.0
    h1: h1:cvP7xbEvD0QQAs0nZKLzkVog2OPZhI/V2w3WmTmUNXI=
build-requires: [go-tools]
requires: [base]
provides: [greeter]
build: |
  install -D "$SRC/files/greeting" "$DESTDIR/usr/share/hello/greeting"
test: test -f "$DESTDIR/usr/share/hello/greeting"
`

func TestParseGood(t *testing.T) {
	s, err := Parse("specs/hello/package.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "hello" || len(s.Sources) != 4 || s.Network != NetworkNone || !strings.HasPrefix(s.Digest, "sha256:") {
		t.Fatalf("decoded %+v", s.Package)
	}
	kinds := []string{}
	for _, src := range s.Sources {
		kinds = append(kinds, src.Kind())
	}
	if got := strings.Join(kinds, ","); got != "path,url,apt,gomod" {
		t.Fatalf("kinds %s", got)
	}
	if d := s.Sources[3].DestName(); d != "github.com_opencontainers_runc@v1.3.0" {
		t.Fatalf("gomod dest %s", d)
	}
}

// TestProblems checks that each malformed spec gives its precise message at its line.
func TestProblems(t *testing.T) {
	cases := map[string]struct{ from, to, want string }{
		"unknown field":   {"license: MIT\n", "license: MIT\nbogus: 1\n", `specs/hello/package.yaml:7: unknown field "bogus"`},
		"bad sha256":      {"sha256: 0000000000000000000000000000000000000000000000000000000000000000", "sha256: abc", `specs/hello/package.yaml:10: sources[1].sha256: "abc" is not a sha256 (64 lowercase hex digits, this has 3 characters)`},
		"bad h1":          {"h1: h1:cvP7xbEvD0QQAs0nZKLzkVog2OPZhI/V2w3WmTmUNXI=", "h1: cvP7", `sources[3].h1: "cvP7" is not a go.sum h1 hash`},
		"two kinds":       {"  - path: files/greeting\n", "  - path: files/greeting\n    url: https://example.org/x\n", "sources[0]: a source has exactly one of path, url, apt, gomod (this one has 2)"},
		"field for kind":  {"  - path: files/greeting\n", "  - path: files/greeting\n    h1: h1:x\n", "sources[0].h1: h1 does not apply to a path source"},
		"bad network":     {"build: |", "network: internet\nbuild: |", `network: invalid value "internet": unknown network`},
		"absolute path":   {"path: files/greeting", "path: /etc/passwd", `sources[0].path: "/etc/passwd" is not a relative path`},
		"self requires":   {"build-requires: [go-tools]", "build-requires: [hello]", `build-requires[0]: package "hello" build-requires itself`},
		"bad release":     {"release: 1", "release: 0", "release: release 0 is not a positive number"},
		"bad schema":      {"schema-version: 1", "schema-version: 2", "schema-version: unsupported schema-version 2"},
		"missing build":   {"build: |\n  install -D \"$SRC/files/greeting\" \"$DESTDIR/usr/share/hello/greeting\"\n", "", `missing required field "build"`},
		"same dest twice": {"  - path: files/greeting\n", "  - path: files/greeting\n  - path: ../hello/files/greeting\n    dest: files/greeting\n", "two sources land at $SRC/files/greeting"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("test edit %q not in the good spec", tc.from)
			}
			_, err := Parse("specs/hello/package.yaml", []byte(strings.Replace(good, tc.from, tc.to, 1)))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error\n%s\ndoes not contain\n%s", err, tc.want)
			}
			if !strings.Contains(err.Error(), "fix:") {
				t.Fatalf("error without a fix: %s", err)
			}
		})
	}
}

func TestManyProblemsAtOnce(t *testing.T) {
	bad := "schema-version: 1\nname: Hello!\nversion: ''\nrelease: 0\nsummary: x\nlicense: MIT\nbuild: make\nrequires: [a, a]\n"
	_, err := Parse("p.yaml", []byte(bad))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`p.yaml:2: name: "Hello!" is not a package name`, "p.yaml:3: version: must not be empty", "p.yaml:4: release", `p.yaml:8: requires[1]: "a" is listed twice`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%s", want, err)
		}
	}
}

func TestLoadAll(t *testing.T) {
	root := t.TempDir()
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("specs/hello/package.yaml", good)
	write("specs/hello/files/greeting", "hi\n")
	write("agents/go.mod", "module x\n")
	write("specs/agents/package.yaml", "schema-version: 1\nname: agents\nversion: 0.1.0\nrelease: 1\nsummary: a\nlicense: MIT\nsources:\n  - path: ../../agents\nbuild: make\n")
	write("specs/wrongname/package.yaml", strings.Replace(good, "name: hello", "name: other", 1))
	write("specs/escape/package.yaml", "schema-version: 1\nname: escape\nversion: 1\nrelease: 1\nsummary: a\nlicense: MIT\nsources:\n  - path: ../../../etc\n  - path: nothere\nbuild: make\n")
	specs, err := LoadAll(root, "proj")
	if len(specs) != 4 {
		t.Fatalf("loaded %d specs", len(specs))
	}
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`proj/specs/wrongname/package.yaml:2: name: package "other" is in folder specs/wrongname`,
		`proj/specs/escape/package.yaml:8: sources[0].path: "../../../etc" is outside the project`,
		`proj/specs/escape/package.yaml:9: sources[1].path: "nothere" does not exist`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%s", want, err)
		}
	}
	for _, s := range specs {
		if s.Name == "agents" {
			rel, ok := s.ProjectPath(root, s.Sources[0])
			if !ok || rel != "agents" || s.Sources[0].DestName() != "agents" {
				t.Fatalf("agents path %q %v dest %q", rel, ok, s.Sources[0].DestName())
			}
		}
		if strings.Contains(err.Error(), "specs/hello/") || strings.Contains(err.Error(), "specs/agents/") {
			t.Fatalf("good specs reported: %s", err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("name: [\n"))
	f.Add([]byte("sources:\n  - {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if s == nil {
			t.Fatal("nil spec")
		}
		if err == nil && s.Validate(s.Doc) != nil {
			t.Fatal("parse accepted what Validate refuses")
		}
	})
}
