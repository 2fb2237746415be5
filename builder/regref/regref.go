// Package regref holds what every registry client of kitbash agrees on about registry
// references: a registry on a loopback address is spoken to over plain HTTP (tests and
// local mirrors run there), any other over HTTPS.
package regref

import (
	"net"
	"strings"
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
