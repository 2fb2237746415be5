// Command kitbash builds container-host operating systems reproducibly with BuildKit.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kitbash-dev/kitbash/builder/cli"
)

func main() {
	// containerd's content store (the local OCI store served to BuildKit) logs through the
	// process-wide logrus logger, e.g. a warning per open when the filesystem lacks
	// fs-verity. Kitbash reports its own errors; keep only theirs.
	logrus.SetLevel(logrus.ErrorLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
