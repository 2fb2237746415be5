// Command testsysd is testsys's control agent: it serves a line protocol on a serial
// port so the host can run commands in the guest.
//
//	testsysd -port /dev/ttyS1   serve on the serial device (put into raw mode)
//	testsysd -stdio             serve on standard input and output (for tests)
//
// On start it writes the hello line {"hello":"testsysd","version":1}. Then each line
// it reads is one JSON request
//
//	{"id":N,"argv":["/usr/bin/sh","-c","..."],"stdin":"...","timeoutMs":M}
//
// answered by one JSON line
//
//	{"id":N,"exit":0,"stdout":"...","stderr":"...","error":""}
//
// error is set (and exit is -1) when the command could not be started or was killed
// at its timeout (default 2 minutes). When the output is not valid UTF-8, stdout and
// stderr are base64 and "encoding":"base64" says so. A request {"ping":true} is
// answered with the hello line again, so a host that connected late can find the
// agent. Requests are handled one at a time; lines that are not JSON requests are
// ignored (the host may send an empty line to resync).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testsysd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.String("port", "", "serial device to serve on, e.g. /dev/ttyS1")
	stdio := fs.Bool("stdio", false, "serve on standard input and output instead of a serial device")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 || (*port == "") == !*stdio {
		fmt.Fprintln(stderr, "usage: testsysd -port DEVICE | -stdio")
		return 2
	}
	// SIGTERM keeps its default action: init stops the agent by signal.
	ctx := context.Background()
	var r io.Reader = stdin
	var w io.Writer = stdout
	if *port != "" {
		f, err := openSerial(*port)
		if err != nil {
			fmt.Fprintf(stderr, "testsysd: %v\n", err)
			return 1
		}
		defer f.Close()
		r, w = f, f
		fmt.Fprintf(stderr, "testsysd: serving on %s\n", *port)
	}
	if err := serve(ctx, r, w, execCommand); err != nil {
		fmt.Fprintf(stderr, "testsysd: %v\n", err)
		return 1
	}
	return 0
}
