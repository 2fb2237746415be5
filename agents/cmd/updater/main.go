// Command updater checks for and applies Kitbash OS updates from the TUF repository
// (see agents/internal/updater).
//
// Usage:
//
//	updater check  [-config FILE]            print the chosen update (or none, with the reason) as JSON
//	updater apply  [-config FILE] [-reboot] [-progress text|json]
//	                                         check, then write the update into the inactive slot
//	                                         and make it boot next, once; -reboot asks init to reboot
//	updater status [-config FILE]            print the update state (from the boot entries) as JSON
//
// The configuration is /run/kitbash/updater.json (settingsd renders it from the
// updates.* settings), the running variant and version come from os-release. apply
// prints its progress on stderr and its result as JSON on stdout ({"choice": ...,
// "result": ...}, or the choice alone when there is no update). Its progress is one
// line per report for people, or with -progress json one updater.Progress object per
// line ({"step":"root","target":"...","written":N,"downloaded":N,"length":N}), for
// settingsd, which runs it for POST /v1/updates/apply; its other stderr lines (the
// update chosen, the reboot, the error) are text either way. While apply and
// status run they hold bootslot's lock (/run/kitbash/bootslot.lock) and mount the ESP
// at /run/kitbash/esp as bootslot does; migrations go to /.private/migrations/.
// SIGINT and SIGTERM stop apply, which leaves the inactive slot cleared.
//
// Exit status: 0 done (also when there is no update), 2 usage, 3 error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
	"github.com/kitbash-dev/kitbash/agents/internal/espmount"
	"github.com/kitbash-dev/kitbash/agents/internal/pid1"
	"github.com/kitbash-dev/kitbash/agents/internal/updater"
)

// Exit statuses.
const (
	exitOK    = 0
	exitUsage = 2
	exitError = 3
)

// privateDir is where the initramfs mounts PRIVATE.
const privateDir = "/.private"

// system is the machine the command works on; tests replace it.
type system struct {
	// loadConfig reads the configuration file at path and os-release.
	loadConfig func(path string) (updater.Config, error)
	// repository opens the TUF repository of c.
	repository func(c updater.Config) (updater.Repository, error)
	// open returns the boot state's host (the ESP mounted, writable when write) and
	// what undoes the opening (unmount, unlock).
	open func(write bool) (bootslot.Host, func() error, error)
	// privateDir is where PRIVATE is mounted.
	privateDir string
	// reboot asks init to reboot.
	reboot func(ctx context.Context) error
}

func realSystem() system {
	return system{
		loadConfig: func(path string) (updater.Config, error) { return updater.LoadConfig(path) },
		repository: newRepository,
		open:       func(write bool) (bootslot.Host, func() error, error) { return espmount.Open("updater", write) },
		privateDir: privateDir,
		reboot: func(ctx context.Context) error {
			return pid1.NewClient(pid1.DefaultSocket).Shutdown(ctx, pid1.Reboot)
		},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, realSystem())
	stop()
	os.Exit(code)
}

const usage = `usage: updater check [-config FILE]
       updater apply [-config FILE] [-reboot] [-progress text|json]
       updater status [-config FILE]`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, sys system) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("updater "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	config := fs.String("config", updater.DefaultConfigPath, "the updater's configuration (JSON)")
	var reboot bool
	progress := progressText
	switch cmd {
	case "check", "status":
	case "apply":
		fs.BoolVar(&reboot, "reboot", false, "after a successful apply, ask init to reboot into the update")
		fs.StringVar(&progress, "progress", progressText, "how apply prints its progress on stderr: text, or json (one object per line)")
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "updater: unknown command %q\n%s\n", cmd, usage)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	report, err := progressReporter(progress, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "updater %s: %v\n", cmd, err)
		return exitUsage
	}
	c, err := sys.loadConfig(*config)
	if err != nil {
		fmt.Fprintf(stderr, "updater: %v\n", err)
		return exitError
	}
	if err := do(ctx, cmd, c, reboot, report, stdout, stderr, sys); err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, cmd) { // Check's and Apply's errors name their step
			msg = cmd + ": " + msg
		}
		fmt.Fprintf(stderr, "updater: %s\n", msg)
		return exitError
	}
	return exitOK
}

func do(ctx context.Context, cmd string, c updater.Config, reboot bool, report func(updater.Progress), stdout, stderr io.Writer, sys system) error {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if cmd == "status" {
		h, closeFn, err := sys.open(false)
		if err != nil {
			return err
		}
		st, err := updater.ReadStatus(h, c)
		if cerr := closeFn(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return enc.Encode(st)
	}

	u := &updater.Updater{Config: c}
	if c.MetadataURL != "" {
		repo, err := sys.repository(c)
		if err != nil {
			return err
		}
		u.Repo = repo
	}
	ch, err := u.Check(ctx)
	if err != nil {
		return err
	}
	if cmd == "check" || ch.Update == nil {
		return enc.Encode(ch)
	}

	h, closeFn, err := sys.open(true)
	if err != nil {
		return err
	}
	u.Machine = updater.Machine{Host: h, PrivateDir: sys.privateDir}
	u.Progress = report
	fmt.Fprintf(stderr, "updater: %s\n", ch.Reason)
	res, err := u.Apply(ctx, ch)
	if cerr := closeFn(); err == nil && cerr != nil {
		err = fmt.Errorf("applied, but: %w", cerr)
	}
	if err != nil {
		return err
	}
	if err := enc.Encode(struct {
		Choice updater.Choice  `json:"choice"`
		Result *updater.Result `json:"result"`
	}{ch, res}); err != nil {
		return err
	}
	if reboot {
		fmt.Fprintf(stderr, "updater: rebooting into %s (slot %s)\n", res.Version, res.Slot)
		if err := sys.reboot(ctx); err != nil {
			return fmt.Errorf("reboot: %w", err)
		}
	}
	return nil
}

// The formats of apply's progress (-progress).
const (
	progressText = "text" // one line for people per report
	progressJSON = "json" // one updater.Progress JSON object per line
)

// progressReporter returns what prints Apply's progress on w in format.
func progressReporter(format string, w io.Writer) (func(updater.Progress), error) {
	switch format {
	case progressText:
		return progressPrinter(w), nil
	case progressJSON:
		return progressEncoder(w), nil
	}
	return nil, fmt.Errorf("-progress %q: use %s or %s", format, progressText, progressJSON)
}

// progressPrinter prints Apply's progress, one line per report.
func progressPrinter(w io.Writer) func(updater.Progress) {
	return func(p updater.Progress) {
		switch {
		case p.Target == "" && p.Done:
			fmt.Fprintf(w, "updater: %s: done\n", p.Step)
		case p.Target == "":
			fmt.Fprintf(w, "updater: %s\n", p.Step)
		default:
			state := ""
			if p.Done {
				state = ", verified"
			}
			fmt.Fprintf(w, "updater: %s %s: %s written, %s of %s downloaded%s\n", p.Step, p.Target, mib(p.Written), mib(p.Downloaded), mib(p.Length), state)
		}
	}
}

// progressEncoder writes Apply's progress as JSON, one updater.Progress object per
// line (json.Encoder ends each with '\n' and escapes any newline inside).
func progressEncoder(w io.Writer) func(updater.Progress) {
	enc := json.NewEncoder(w)
	return func(p updater.Progress) {
		_ = enc.Encode(p) // as with the text lines, a broken stderr does not stop Apply
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
