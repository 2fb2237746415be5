//go:build !linux

package main

import (
	"errors"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
)

func openSystem(bool) (bootslot.Host, func() error, error) {
	return nil, nil, errors.New("updater runs on Linux only")
}
