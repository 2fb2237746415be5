// Command bootslot reads and changes the A/B boot state of a Kitbash machine: the
// systemd-boot entries on the ESP (see agents/internal/bootslot).
//
// Usage:
//
//	bootslot status                    the boot state as JSON
//	bootslot mark-good                 bless the booted entry (init, at ready)
//	bootslot clear-inactive            remove the inactive slot's entry, kernel and initramfs
//	bootslot set-next -entry-file FILE [-version V] [-tries N]
//	                                   write the inactive slot's entry, on trial for N boots (1)
//	bootslot rollback-to-inactive      boot the inactive, known-good slot next
//	bootslot has-boot-ever-succeeded   print true (exit 0) or false (exit 1)
//
// set-next makes the new entry boot next whatever its version: for a version older
// than the booted one (a downgrade) it demotes the booted entry, whose sort-key gets a
// "~" (status shows "demoted": true), so that the new entry sorts first and the
// demoted one still boots when the new one's tries run out (see bootslot.SetNext).
//
// The ESP is mounted at /run/kitbash/esp when it is not mounted there already (found by
// its GPT type on the disk of the booted ROOT partition; the vfat and nls modules are
// loaded first), and unmounted again afterwards; status and has-boot-ever-succeeded
// mount it read-only. efivarfs is mounted on /sys/firmware/efi/efivars when the
// machine booted with UEFI and it is not mounted yet. One bootslot runs at a time
// (a lock on /run/kitbash/bootslot.lock).
//
// Exit status: 0 done (or true), 1 false (has-boot-ever-succeeded), 2 usage, 3 error.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
	"github.com/kitbash-dev/kitbash/agents/internal/espmount"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFalse = 1
	exitUsage = 2
	exitError = 3
)

// opener returns the machine to work on and a function that undoes what opening did
// (unmount, unlock); write says whether the ESP will be changed.
type opener func(write bool) (h bootslot.Host, closeFn func() error, err error)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, func(write bool) (bootslot.Host, func() error, error) {
		return espmount.Open("bootslot", write)
	}))
}

const usage = `usage: bootslot status | mark-good | clear-inactive | rollback-to-inactive |
       has-boot-ever-succeeded | set-next -entry-file FILE [-version V] [-tries N]`

func run(args []string, stdout, stderr io.Writer, open opener) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("bootslot "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	var entryFile, version string
	var tries int
	write := true
	switch cmd {
	case "status", "has-boot-ever-succeeded":
		write = false
	case "mark-good", "clear-inactive", "rollback-to-inactive":
	case "set-next":
		fs.StringVar(&entryFile, "entry-file", "", "the entry to write (builder/image/boot's format for the inactive slot)")
		fs.StringVar(&version, "version", "", "the version the entry must have (optional; it may be older than the booted one, a downgrade)")
		fs.IntVar(&tries, "tries", 1, "boots the slot gets before systemd-boot falls back")
	default:
		fmt.Fprintf(stderr, "bootslot: unknown command %q\n%s\n", cmd, usage)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 || cmd == "set-next" && entryFile == "" {
		fs.Usage()
		return exitUsage
	}
	var body []byte
	if cmd == "set-next" {
		var err error
		if body, err = os.ReadFile(entryFile); err != nil {
			fmt.Fprintf(stderr, "bootslot: set-next: %v\n", err)
			return exitError
		}
	}
	h, closeFn, err := open(write)
	if err != nil {
		fmt.Fprintf(stderr, "bootslot: %s: %v\n", cmd, err)
		return exitError
	}
	code, err := do(cmd, h, body, version, tries, stdout)
	if cerr := closeFn(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "bootslot: %v\n", err)
		return exitError
	}
	return code
}

func do(cmd string, h bootslot.Host, body []byte, version string, tries int, stdout io.Writer) (int, error) {
	switch cmd {
	case "status":
		st, err := bootslot.Load(h)
		if err != nil {
			return 0, fmt.Errorf("status: %w", err)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return exitOK, enc.Encode(st.Status())
	case "has-boot-ever-succeeded":
		ok, err := bootslot.HasBootEverSucceeded(h)
		if err != nil {
			return 0, fmt.Errorf("has-boot-ever-succeeded: %w", err)
		}
		fmt.Fprintln(stdout, ok)
		if !ok {
			return exitFalse, nil
		}
		return exitOK, nil
	case "mark-good":
		msg, err := bootslot.MarkGood(h)
		if err != nil {
			return 0, err
		}
		fmt.Fprintln(stdout, msg)
	case "clear-inactive":
		removed, err := bootslot.ClearInactive(h)
		for _, r := range removed {
			fmt.Fprintf(stdout, "removed %s\n", r)
		}
		if err != nil {
			return 0, err
		}
	case "set-next":
		name, err := bootslot.SetNext(h, bootslot.NextSpec{Body: body, Version: version, Tries: tries})
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(stdout, "wrote %s\n", name)
	case "rollback-to-inactive":
		from, to, err := bootslot.RollbackToInactive(h)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(stdout, "%s -> %s\n", from, to)
	default:
		return 0, errors.New("unknown command " + cmd)
	}
	return exitOK, nil
}
