// Command kitbash builds container-host operating systems reproducibly with BuildKit.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kitbash-dev/kitbash/builder/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
