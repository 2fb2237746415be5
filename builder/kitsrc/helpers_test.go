package kitsrc

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/spec"
)

// fixture lays out a small project: a kit of one package (agents) whose spec reaches
// ../../agents (with a vendored module) and files of its own; another package, build
// outputs and caches that the kit's sources must leave out.
func fixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"Kitbash.yaml":                     "schema-version: 1\n",
		"Kitbash.lock":                     "schema-version: 1\n",
		"kits/core/kit.yaml":               "name: core\n",
		"kits/other/kit.yaml":              "name: other\n",
		"keys/core.pub":                    "public key\n",
		"keys/me.key":                      "private key\n",
		"specs/agents/package.yaml":        agentsSpec,
		"specs/agents/files/settings.json": "{}\n",
		"specs/agents/README":              "notes kept with the spec\n",
		"specs/other/package.yaml":         otherSpec,
		"agents/go.mod":                    "module example.org/agents\n",
		"agents/cmd/init/main.go":          "package main\n",
		"agents/vendor/modules.txt":        "# github.com/klauspost/compress v1.0.0\n",
		"agents/vendor/github.com/klauspost/compress/zstd/zstd.go": "package zstd\n",
		"build/images/dev.img": "disk image\n",
		"bin/kitbash":          "binary\n",
		".tools/bin/buildkitd": "binary\n",
	}
	for p, body := range files {
		write(t, filepath.Join(root, p), body, 0o644)
	}
	if err := os.Chmod(filepath.Join(root, "agents/cmd/init/main.go"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../go.mod", filepath.Join(root, "agents/cmd/go.mod.link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "agents/empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	return root
}

const agentsSpec = `schema-version: 1
name: agents
version: 0.1.0
release: 1
summary: the agents
license: Apache-2.0
sources:
  - path: ../../agents
  - path: files
  - url: https://example.org/x.tar.gz
    sha256: 0000000000000000000000000000000000000000000000000000000000000000
build: "true"
`

const otherSpec = `schema-version: 1
name: other
version: 1.0.0
release: 1
summary: not in the kit
license: MIT
build: "true"
`

func write(t *testing.T, p, body string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

// loadSpec reads specs/<name> of the project at root.
func loadSpec(t *testing.T, root, name string) *spec.Spec {
	t.Helper()
	s, err := spec.Load(root, "p", name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// packFixture packs the core kit's sources of the fixture at root.
func packFixture(t *testing.T, root string, opts ...Option) []byte {
	t.Helper()
	paths, err := Paths(Project{Root: root, Kit: "core", Specs: []*spec.Spec{loadSpec(t, root, "agents")}, Keys: []string{"keys/core.pub"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Pack(root, paths, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// headers lists a tar's headers.
func headers(t *testing.T, b []byte) []*tar.Header {
	t.Helper()
	var out []*tar.Header
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
}

// tarOf writes a tar of the given headers, each regular file with body "x".
func tarOf(t *testing.T, hs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hs {
		if h.Typeflag == tar.TypeReg {
			h.Size = 1
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte("x"))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
