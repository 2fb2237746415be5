// Command initctl talks to init's control API.
//
// Usage:
//
//	initctl [-socket PATH] status           services and their states
//	initctl [-socket PATH] restart NAME     restart a service
//	initctl [-socket PATH] log              init's log ring
//	initctl [-socket PATH] poweroff|reboot  shut the machine down
//
// status prints one line per service (NAME STATE PID RESTARTS LAST-EXIT), -json the
// API's JSON.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/pid1"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("initctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	socket := fs.String("socket", pid1.DefaultSocket, "init's control socket")
	asJSON := fs.Bool("json", false, "status: print the API's JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: initctl [-socket PATH] [-json] status | restart NAME | log | poweroff | reboot")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := pid1.NewClient(*socket)
	err := func() error {
		switch cmd := fs.Arg(0); {
		case cmd == "status" && fs.NArg() == 1:
			r, err := c.Services(ctx)
			if err != nil {
				return err
			}
			return printStatus(stdout, r, *asJSON)
		case cmd == "restart" && fs.NArg() == 2:
			return c.Restart(ctx, fs.Arg(1))
		case cmd == "log" && fs.NArg() == 1:
			s, err := c.Log(ctx)
			if err == nil {
				_, err = io.WriteString(stdout, s)
			}
			return err
		case (cmd == "poweroff" || cmd == "reboot") && fs.NArg() == 1:
			return c.Shutdown(ctx, pid1.Action(cmd))
		}
		fs.Usage()
		return errUsage
	}()
	switch {
	case err == errUsage:
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "initctl: %v\n", err)
		return 1
	}
	return 0
}

var errUsage = fmt.Errorf("usage")

func printStatus(w io.Writer, r pid1.ServicesReply, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "NAME\tSTATE\tPID\tRESTARTS\tLAST EXIT\n")
	for _, s := range r.Services {
		pid := "-"
		if s.PID != 0 {
			pid = fmt.Sprint(s.PID)
		}
		last := s.LastExit
		if s.Error != "" {
			last = s.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Name, s.State, pid, s.Restarts, last)
	}
	ready := "not ready"
	if r.Ready {
		ready = "ready"
	}
	fmt.Fprintf(tw, "(%s)\n", ready)
	return tw.Flush()
}
