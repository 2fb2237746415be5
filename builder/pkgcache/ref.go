// Package pkgcache shares built packages and BuildKit's build cache between machines
// and CI runs, through a local directory or a registry repository (the values of
// --cache-to and --cache-from).
//
// A local directory holds BuildKit's cache under DIR/buildkit and packages under
// DIR/packages/<inputs hex>/{package.tar,manifest.json}, the package store's layout. A
// registry repository holds BuildKit's cache under the tag "buildkit" and each package
// as an OCI artifact tagged "pkg-<inputs hex>".
package pkgcache

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kitbash-dev/kitbash/builder/regref"
)

// Kind says where a cache lives.
type Kind int

const (
	// Local is a directory on this machine.
	Local Kind = iota + 1
	// Registry is a repository in an OCI registry.
	Registry
)

func (k Kind) String() string {
	switch k {
	case Local:
		return "local"
	case Registry:
		return "registry"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Ref is a parsed --cache-to or --cache-from value.
type Ref struct {
	Kind Kind
	Dir  string // Local: absolute, cleaned directory
	Repo string // Registry: HOST[:PORT]/PATH, no tag or digest
}

// String is the canonical form, which Parse accepts: dir=DIR or registry=REPO.
func (r Ref) String() string {
	switch r.Kind {
	case Local:
		return "dir=" + r.Dir
	case Registry:
		return "registry=" + r.Repo
	}
	return ""
}

const refFix = "write a directory as /abs/path, ./rel/path or dir=PATH, or a registry repository as HOST[:PORT]/PATH or registry=HOST[:PORT]/PATH (for example registry.example.org/me/kitbash-cache)"

// Parse reads a cache reference:
//
//   - dir=PATH, or a path that is absolute or starts with ./ or ../ (or is . or ..):
//     a local directory, made absolute;
//   - registry=HOST[:PORT]/PATH, or HOST[:PORT]/PATH where HOST has a dot or a port or
//     is localhost: a registry repository. A tag or digest is refused (kitbash picks the
//     tags), and so is a repository without an explicit host.
//
// Errors name the value and the fix, for the caller to prefix with the flag.
func Parse(s string) (Ref, error) {
	bad := func(why, fix string) (Ref, error) {
		return Ref{}, fmt.Errorf("cache reference %q: %s; fix: %s", s, why, fix)
	}
	switch {
	case s == "":
		return bad("empty", refFix)
	case strings.HasPrefix(s, "dir="):
		return parseDir(s, strings.TrimPrefix(s, "dir="))
	case strings.HasPrefix(s, "registry="):
		return parseRepo(s, strings.TrimPrefix(s, "registry="))
	case filepath.IsAbs(s) || s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../"):
		return parseDir(s, s)
	case strings.HasPrefix(s, "type=") || strings.Contains(s, ","):
		return bad("BuildKit's type=...,key=value syntax is not used here", refFix)
	case strings.HasPrefix(s, "~"):
		return bad("~ is not expanded", "give the directory as an absolute path, or let the shell expand ~ by writing the flag and value as two words")
	case strings.Contains(s, "://"):
		return bad("a URL scheme is not part of a repository", "drop the scheme, for example registry.example.org/me/kitbash-cache; registries on localhost and 127.0.0.1 are spoken to over HTTP")
	}
	if first, _, ok := strings.Cut(s, "/"); ok && isHost(first) {
		return parseRepo(s, s)
	}
	return bad("neither a directory path nor a registry repository with a host", refFix)
}

func parseDir(s, p string) (Ref, error) {
	if p == "" {
		return Ref{}, fmt.Errorf("cache reference %q: no directory after dir=; fix: write dir=PATH", s)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return Ref{}, fmt.Errorf("cache reference %q: %w; fix: give an absolute path", s, err)
	}
	return Ref{Kind: Local, Dir: abs}, nil
}

func parseRepo(s, r string) (Ref, error) {
	bad := func(why, fix string) (Ref, error) {
		return Ref{}, fmt.Errorf("cache reference %q: %s; fix: %s", s, why, fix)
	}
	first, rest, ok := strings.Cut(r, "/")
	if !ok || rest == "" || !isHost(first) {
		return bad("a registry repository must start with its host, then a path", "write HOST[:PORT]/PATH where HOST has a dot or a port or is localhost, for example registry.example.org/me/kitbash-cache or localhost:5000/cache")
	}
	last := rest[strings.LastIndex(rest, "/")+1:]
	if strings.ContainsAny(last, ":@") {
		return bad("names a tag or digest", "drop the :TAG or @DIGEST and give the repository alone; kitbash writes the tags buildkit and pkg-<inputs hex> itself")
	}
	repo, err := newRepository(r)
	if err != nil {
		return bad(err.Error(), "a repository path is lowercase letters, digits and separators (. _ __ - /), for example registry.example.org/me/kitbash-cache")
	}
	return Ref{Kind: Registry, Repo: repo.Name()}, nil
}

// newRepository parses repo, which must name its registry, speaking plain HTTP to
// registries on loopback addresses.
func newRepository(repo string) (name.Repository, error) {
	opts := []name.Option{name.StrictValidation}
	if first, _, _ := strings.Cut(repo, "/"); regref.IsLoopback(first) {
		opts = append(opts, name.Insecure)
	}
	return name.NewRepository(repo, opts...)
}

// isHost follows Docker's rule for telling a registry host from a path component.
func isHost(s string) bool {
	return s == "localhost" || strings.ContainsAny(s, ".:")
}
