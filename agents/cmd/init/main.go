// Command init is the machine's PID 1. In the initramfs (the file /kitbash-initramfs
// exists) it runs the initramfs stage, which sets up the verity root and execs
// /usr/bin/init there. On the real root it mounts the API file systems, sets the
// hostname, brings up the network, starts the services declared in
// /usr/lib/kitbash/services, serves the control API on /run/kitbash/init.sock, prints
// the ready line, and on a power-off or reboot request (API, or SIGTERM/SIGPWR for
// power-off, SIGINT/SIGUSR1 for reboot) stops the services in reverse order, syncs and
// calls reboot(2).
//
// Test mode (-test, KITBASH_INIT_TEST=1, or running in a PID namespace other than the
// machine's first) ends with exit status 0 instead of reboot(2). Outside PID 1 init
// only supervises: no mounts, hostname or network.
//
// Usage:
//
//	init [-services DIR] [-socket PATH] [-root DIR] [-stop-timeout DUR] [-test]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/pid1"
)

func main() {
	if ran, err := initramfsStage(); ran {
		// The stage execs the real init; it returns only on failure. Reboot so that
		// the boot loader's try counter can fall back to the other slot.
		fmt.Fprintf(os.Stderr, "init: initramfs stage: %v; rebooting\n", err)
		time.Sleep(5 * time.Second)
		if err := pid1.Finish(pid1.Reboot); err != nil {
			fmt.Fprintf(os.Stderr, "init: %v\n", err)
		}
		select {} // PID 1 must not exit
	}

	cfg := pid1.DefaultConfig()
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.StringVar(&cfg.ServiceDir, "services", cfg.ServiceDir, "directory of service files")
	fs.StringVar(&cfg.Socket, "socket", cfg.Socket, "control API socket")
	fs.StringVar(&cfg.Root, "root", cfg.Root, "directory the machine's paths (mount points, /etc/hostname, proc, sys) are under; for tests")
	fs.DurationVar(&cfg.StopTimeout, "stop-timeout", cfg.StopTimeout, "time a service has between SIGTERM and SIGKILL")
	test := fs.Bool("test", false, "test mode: exit 0 at the end instead of powering off or rebooting")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	isPID1 := os.Getpid() == 1
	testMode := *test || os.Getenv("KITBASH_INIT_TEST") == "1" || pid1.InChildPIDNamespace()
	cfg.Console = pid1.Console(cfg.Root)
	cfg.Setup = isPID1
	cfg.Machine = isPID1 && !testMode
	if !cfg.Machine {
		cfg.ReadyCommand = nil // bless boot entries only on a real boot
	}
	if b, err := os.ReadFile("/proc/cmdline"); err == nil {
		cfg.ReadyTimeout = pid1.ReadyTimeoutFromCmdline(string(b), cfg.ReadyTimeout)
	}

	act, err := pid1.Main(cfg)
	if err != nil {
		fmt.Fprintf(cfg.Console, "init: %v\n", err)
		if !cfg.Machine {
			os.Exit(1)
		}
		act = pid1.Reboot
	}
	if cfg.Machine {
		if err := pid1.Finish(act); err != nil {
			fmt.Fprintf(cfg.Console, "init: %v\n", err)
		}
		select {} // PID 1 must not exit
	}
	os.Exit(0)
}
