// Package spec is the package spec format, specs/<name>/package.yaml: versioned types,
// strict decoding and a Validate that reports every problem at once with file:line,
// field and fix.
package spec

import (
	"fmt"
	"strings"
)

// SchemaVersion is the only schema-version of package.yaml this kitbash reads.
const SchemaVersion = 1

// FileName is the spec file inside each package folder.
const FileName = "package.yaml"

// Dir is the folder of the project that holds one folder per package.
const Dir = "specs"

// Package is the content of one package.yaml.
type Package struct {
	SchemaVersion int      `yaml:"schema-version" required:"true" fix:"write schema-version: 1"`
	Name          string   `yaml:"name" required:"true" fix:"name the package after its folder, e.g. name: runc"`
	Version       string   `yaml:"version" required:"true" fix:"write the upstream version, e.g. version: 1.2.3"`
	Release       int      `yaml:"release" required:"true" fix:"write the package release, a number from 1 that grows with every change to the spec at the same version"`
	Summary       string   `yaml:"summary" required:"true" fix:"describe the package in one line"`
	License       string   `yaml:"license" required:"true" fix:"write the SPDX license expression, e.g. license: Apache-2.0"`
	Sources       []Source `yaml:"sources,omitempty"`
	BuildRequires []string `yaml:"build-requires,omitempty" fix:"list package names, e.g. build-requires: [glibc]"`
	Requires      []string `yaml:"requires,omitempty" fix:"list package names, e.g. requires: [runc]"`
	Provides      []string `yaml:"provides,omitempty" fix:"list virtual package names, e.g. provides: [container-runtime]"`
	Network       Network  `yaml:"network,omitempty" fix:"write network: none (the default) or network: sandbox"`
	Owner         *Owner   `yaml:"owner,omitempty"`
	Build         string   `yaml:"build" required:"true" fix:"write the build script: it runs in the SDK with the sources at $SRC and installs into $DESTDIR"`
	Test          string   `yaml:"test,omitempty" fix:"write a script that checks the output at $DESTDIR (read-only)"`
}

// Owner is the uid and gid every file of the package gets (0:0 when absent).
type Owner struct {
	UID int `yaml:"uid" required:"true" fix:"write the numeric owner, e.g. uid: 0"`
	GID int `yaml:"gid" required:"true" fix:"write the numeric group, e.g. gid: 0"`
}

// Source is one input of the build. Exactly one of Path, URL, Apt and Gomod is set.
type Source struct {
	// path: a file or folder, relative to the package folder (it may reach other folders
	// of the project, e.g. ../../agents, never outside it). It appears at $SRC/<dest>,
	// where dest defaults to the path without leading "../" elements.
	Path string `yaml:"path,omitempty" fix:"write a path relative to the package folder, e.g. path: files/config.toml"`
	Dest string `yaml:"dest,omitempty" fix:"write a relative path under $SRC, e.g. dest: agents"`

	// url: fetched once, checked against sha256 (and sha512 if given), at $SRC/<name>.
	URL    string `yaml:"url,omitempty" fix:"write an https URL"`
	SHA256 string `yaml:"sha256,omitempty" fix:"write the 64 hex digits of the file's sha256"`
	SHA512 string `yaml:"sha512,omitempty" fix:"write the 128 hex digits of the file's sha512, or remove the line"`
	Name   string `yaml:"name,omitempty" fix:"write a plain file name, e.g. name: foo-1.0.tar.gz"`

	// apt: a Debian binary package at an exact version, checked against sha256 (of the
	// .deb), at $SRC/<file name apt gives it>.
	Apt string `yaml:"apt,omitempty" fix:"write a Debian binary package name, e.g. apt: ca-certificates"`

	// gomod: a Go module at a version, checked against its go.sum h1 hash, with its
	// dependencies vendored, at $SRC/<module path with / as _>@<version>/.
	Gomod string `yaml:"gomod,omitempty" fix:"write a Go module path, e.g. gomod: github.com/opencontainers/runc"`
	H1    string `yaml:"h1,omitempty" fix:"copy the module's h1: hash from go.sum, or the Sum field of go mod download -json MODULE@VERSION"`

	// Version is the apt package version or the gomod module version.
	Version string `yaml:"version,omitempty" fix:"write the exact version, e.g. version: v1.2.3 (gomod) or 1.2-1 (apt)"`
}

// Kind names which kind of source s is ("" when none or several are set).
func (s Source) Kind() string {
	var kinds []string
	for _, k := range []struct{ name, v string }{{"path", s.Path}, {"url", s.URL}, {"apt", s.Apt}, {"gomod", s.Gomod}} {
		if k.v != "" {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

// Label is a short human name of the source, for messages.
func (s Source) Label() string {
	switch s.Kind() {
	case "path":
		return "path " + s.Path
	case "url":
		return "url " + s.URL
	case "apt":
		return "apt " + s.Apt + "=" + s.Version
	case "gomod":
		return "gomod " + s.Gomod + "@" + s.Version
	}
	return "source"
}

// Network is a build step's network access. The zero value is the safe one: none.
type Network int

const (
	NetworkNone    Network = iota // only loopback (the default)
	NetworkSandbox                // outside access; refused by --release
)

func (n Network) String() string {
	if n == NetworkSandbox {
		return "sandbox"
	}
	return "none"
}

// UnmarshalText reads "none" or "sandbox".
func (n *Network) UnmarshalText(b []byte) error {
	switch strings.TrimSpace(string(b)) {
	case "", "none":
		*n = NetworkNone
	case "sandbox":
		*n = NetworkSandbox
	default:
		return fmt.Errorf("unknown network %q (none or sandbox)", b)
	}
	return nil
}

// MarshalText writes the name.
func (n Network) MarshalText() ([]byte, error) { return []byte(n.String()), nil }
