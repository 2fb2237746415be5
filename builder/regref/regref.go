// Package regref holds what every registry client of kitbash agrees on about registry
// references: a registry on a loopback address is spoken to over plain HTTP (tests and
// local mirrors run there), any other over HTTPS.
package regref

import (
	"fmt"
	"net"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// IsLoopback reports whether hostport (a registry host, with or without a port) is on a
// loopback address.
func IsLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Parse parses a registry reference (REPO, REPO:TAG or REPO@DIGEST), marking a
// registry on a loopback address insecure (plain HTTP).
func Parse(ref string) (name.Reference, error) {
	r, err := name.ParseReference(ref, name.StrictValidation)
	if err != nil {
		r, err = name.ParseReference(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("parse reference %q: %w", ref, err)
	}
	if !IsLoopback(r.Context().RegistryStr()) {
		return r, nil
	}
	r, err = name.ParseReference(ref, name.Insecure)
	if err != nil {
		return nil, fmt.Errorf("parse reference %q: %w", ref, err)
	}
	return r, nil
}
