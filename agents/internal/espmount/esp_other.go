//go:build !linux

package espmount

import (
	"errors"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
)

// Open fails: the ESP is only mounted on Linux.
func Open(prog string, write bool) (bootslot.Host, func() error, error) {
	return nil, nil, errors.New(prog + " runs on Linux only")
}
