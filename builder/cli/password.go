package cli

import (
	"fmt"
	"os"

	"golang.org/x/term"
)

// defaultPasswordEnv is where the signing key's password is read from when Kitbash.yaml
// names no other variable (cosign's own).
const defaultPasswordEnv = "COSIGN_PASSWORD"

// password returns the key password: from the environment variable envName when it is
// set, else from a prompt when stdin is a terminal, else empty (keys made without one).
func (g *globals) password(envName, purpose string) ([]byte, error) {
	if envName == "" {
		envName = defaultPasswordEnv
	}
	if v, ok := g.lookupEnv(envName); ok {
		return []byte(v), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, nil
	}
	fmt.Fprintf(g.stderr, "Password for %s (or set %s): ", purpose, envName)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(g.stderr)
	if err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	return b, nil
}

// lookupEnv returns a variable that is set and not empty.
func (g *globals) lookupEnv(name string) (string, bool) {
	v := g.env(name)
	return v, v != ""
}
