// Command repro proves that a project builds reproducibly: it builds the SDK, every
// package, every kit and a variant's image twice from empty caches, on two simulated
// machines that differ in directory, host name (a UTS namespace), umask, time zone, home
// and wall clock (B runs after A; SOURCE_DATE_EPOCH is the same), compares every
// artifact's digest, and runs diffoscope on each pair that differs. It exits 1 when
// anything differs and 2 when it could not build or compare. `make repro` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	kitbash, buildkitd, diffoscope string
	project, tmp, logs, variant    string
	epoch                          string
	inject, shareSDK               bool
	diffMax, diffLines, diffBytes  int
	diffMaxSize                    int64
	diffTimeout                    time.Duration
}

// tools are what every kitbash run of a machine uses.
type tools struct {
	kitbash, buildkitd string
	epoch              string // SOURCE_DATE_EPOCH, the same on both machines
}

func main() {
	var c config
	flag.StringVar(&c.kitbash, "kitbash", "bin/kitbash", "kitbash binary")
	flag.StringVar(&c.buildkitd, "buildkitd", ".tools/bin/buildkitd", "buildkitd binary for the machines' engines")
	flag.StringVar(&c.diffoscope, "diffoscope", "diffoscope", "diffoscope command (Debian's diffoscope-minimal; make tools installs it)")
	flag.StringVar(&c.project, "project", ".", "the project to build (what a build reads of it is copied)")
	flag.StringVar(&c.tmp, "tmp", "/tmp", "where the machines' directories are made (short: engine sockets live there)")
	flag.StringVar(&c.logs, "logs", "build/repro", "where kitbash's output of each machine and diffoscope's full reports go")
	flag.StringVar(&c.variant, "variant", "dev", "the variant whose image is built")
	flag.StringVar(&c.epoch, "source-date-epoch", "", "SOURCE_DATE_EPOCH of both machines (default: the commit time of the project's Kitbash.yaml, as kitbash takes it)")
	flag.BoolVar(&c.inject, "inject-nondeterminism", false, "self-test: add a package that stamps the wall clock into its output to both copies and build only it (and the SDK); the run must fail")
	flag.BoolVar(&c.shareSDK, "share-sdk", false, "build the SDK on machine A only and give B a copy (faster; the SDK is then not compared)")
	flag.IntVar(&c.diffMax, "diffoscope-max", 8, "at most this many pairs of files go to diffoscope")
	flag.IntVar(&c.diffLines, "excerpt-lines", 60, "lines of each diffoscope report printed")
	flag.IntVar(&c.diffBytes, "diffoscope-report-size", 4<<20, "diffoscope's --max-text-report-size (bytes)")
	flag.Int64Var(&c.diffMaxSize, "diffoscope-max-size", 1<<30, "files larger than this (bytes) are not given to diffoscope")
	flag.DurationVar(&c.diffTimeout, "diffoscope-timeout", 5*time.Minute, "diffoscope's time limit per pair")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	same, err := run(ctx, c)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "repro:", err)
		os.Exit(2)
	}
	if !same {
		os.Exit(1)
	}
}
