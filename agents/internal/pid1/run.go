package pid1

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/kitbash-dev/kitbash/agents/internal/logring"
	"github.com/kitbash-dev/kitbash/agents/internal/service"
)

// Config is how init runs. DefaultConfig has the machine's paths.
type Config struct {
	Root          string    // the machine's paths (mount points, hostname files, proc, sys) are under it
	ServiceDir    string    // service files
	Socket        string    // control API socket
	Console       io.Writer // the console; every log line and the ready line go there
	Mounts        []Mount
	HostnameFiles []string
	LogLines      int           // lines kept for GET /v1/log
	StopTimeout   time.Duration // per service, SIGTERM to SIGKILL
	// Setup mounts the API file systems, sets the hostname and brings up the network
	// (for PID 1).
	Setup bool
	// ReadyCommand runs once, in the background, when the ready line has been printed
	// (on a machine: bootslot mark-good, which blesses the boot entry of the slot that
	// reached ready). Its output is logged; a failure is logged and changes nothing
	// else. Skipped when empty or when its program does not exist.
	ReadyCommand []string
	// ReadyTimeout and SlotStatus: on a machine, when ready has not been reached after
	// ReadyTimeout and SlotStatus (bootslot status) says the booted slot is on trial,
	// init reboots so that the boot loader falls back. Zero turns the watchdog off.
	ReadyTimeout time.Duration
	SlotStatus   []string
	// Machine is set when init is the machine's PID 1 (not a test in a PID namespace):
	// Ctrl-Alt-Del is turned into SIGINT, bootMs counts from the kernel's boot, and
	// the caller ends with Finish.
	Machine bool
}

// DefaultConfig is the configuration of init on a machine (Setup and Machine unset).
func DefaultConfig() Config {
	return Config{
		Root:          "/",
		ServiceDir:    service.DefaultDir,
		Socket:        DefaultSocket,
		Console:       os.Stdout,
		Mounts:        DefaultMounts(),
		HostnameFiles: DefaultHostnameFiles(),
		LogLines:      2000,
		StopTimeout:   10 * time.Second,
		ReadyCommand:  []string{"/usr/bin/bootslot", "mark-good"},
		ReadyTimeout:  DefaultReadyTimeout,
		SlotStatus:    []string{"/usr/bin/bootslot", "status"},
	}
}

// ReadyLine is the line printed once all required services are ready.
func ReadyLine(services int, bootMs int64) string {
	return fmt.Sprintf(`KITBASH-READY {"services":%d,"bootMs":%d}`, services, bootMs)
}

// Main runs init until a power-off or reboot is asked for (signal or API), then stops
// the services in reverse order, syncs and returns what was asked for. Problems along
// the way (a mount, the network, a bad service file) are logged, not returned: PID 1
// goes on. A bad service file keeps every service from starting and the ready line
// from being printed.
func Main(cfg Config) (Action, error) {
	start := time.Now()
	ring := logring.New(cfg.LogLines, cfg.Console)
	ilog := ring.Source("init: ")
	logf := func(format string, a ...any) { fmt.Fprintf(ilog, format+"\n", a...) }
	logf("starting (pid %d)", os.Getpid())
	if cfg.Machine {
		if err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_CAD_OFF); err != nil {
			logf("ctrl-alt-del off: %v", err)
		}
	}
	if cfg.Setup {
		setup(cfg, logf)
	}

	svcs, loadErr := service.Load(cfg.ServiceDir)
	if loadErr != nil {
		logf("service files: %v", loadErr)
		logf("no service started; fix the service files")
		svcs = nil
	}
	var ready atomic.Bool
	mgr, err := service.NewManager(svcs, service.Options{
		Log:         ilog,
		Output:      func(name string) io.WriteCloser { return ring.Source("[" + name + "] ") },
		StopTimeout: cfg.StopTimeout,
		KillAll:     os.Getpid() == 1,
		OnReady: func(n int) {
			if loadErr != nil {
				return
			}
			ready.Store(true)
			ring.Line(ReadyLine(n, bootMs(cfg.Machine, start)))
			go runReadyCommand(cfg.ReadyCommand, ring.Source("init: ready command: "), logf)
		},
	})
	if err != nil {
		return "", fmt.Errorf("service manager: %w", err) // Load checked them already
	}

	actions := make(chan Action, 1)
	shutdown := func(a Action) {
		select {
		case actions <- a:
		default: // one is pending already
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGPWR, syscall.SIGINT, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			logf("signal %v", s)
			if s == syscall.SIGINT || s == syscall.SIGUSR1 {
				shutdown(Reboot)
			} else {
				shutdown(PowerOff)
			}
		}
	}()

	if cfg.Machine && cfg.ReadyTimeout > 0 {
		go watchReady(cfg.ReadyTimeout, ready.Load, cfg.SlotStatus, func() { shutdown(Reboot) }, logf)
	}
	api := &API{Services: mgr, Log: ring, Ready: ready.Load, Shutdown: shutdown}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if l, err := Listen(filepath.Clean(cfg.Socket)); err != nil {
		logf("%v; running without the control API", err)
	} else {
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logf("control API: %v", err)
			}
		}()
	}

	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- mgr.Run(ctx) }()
	act := <-actions
	logf("%s requested; stopping services", act)
	cancel()
	if err := <-runDone; err != nil {
		logf("service manager: %v", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), time.Second)
	_ = srv.Shutdown(sctx)
	scancel()
	logf("syncing file systems")
	syscall.Sync()
	logf("%s", act)
	return act, nil
}

// runReadyCommand runs argv (see Config.ReadyCommand) with its output to out.
func runReadyCommand(argv []string, out io.Writer, logf func(string, ...any)) {
	if len(argv) == 0 {
		return
	}
	if _, err := os.Stat(argv[0]); err != nil {
		logf("ready command %s not run: %v", argv[0], err)
		return
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		logf("ready command %s: %v", strings.Join(argv, " "), err)
		return
	}
	logf("ready command %s: done", strings.Join(argv, " "))
}

// Finish powers off or reboots the machine (reboot(2)); it returns only on failure.
func Finish(a Action) error {
	syscall.Sync()
	cmd := syscall.LINUX_REBOOT_CMD_POWER_OFF
	if a == Reboot {
		cmd = syscall.LINUX_REBOOT_CMD_RESTART
	}
	if err := syscall.Reboot(cmd); err != nil {
		return fmt.Errorf("reboot(%s): %w", a, err)
	}
	return nil
}

// bootMs is milliseconds since the kernel booted on a machine, since start otherwise.
func bootMs(machine bool, start time.Time) int64 {
	if machine {
		var ts syscall.Timespec
		const clockBoottime = 7
		if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockBoottime, uintptr(unsafe.Pointer(&ts)), 0); e == 0 {
			return ts.Sec*1000 + ts.Nsec/1e6
		}
	}
	return time.Since(start).Milliseconds()
}

// DHCPTimeout bounds the wait for a DHCP lease at boot.
const DHCPTimeout = 20 * time.Second

// setup mounts, sets the hostname and brings up the network, logging what fails.
func setup(cfg Config, logf func(string, ...any)) {
	if err := MountAll(cfg.Root, cfg.Mounts, logf); err != nil {
		logf("%v", err)
	}
	name, from, err := Hostname(cfg.Root, cfg.HostnameFiles)
	if err != nil {
		logf("%v; using %s", err, DefaultHostname)
		name, from = DefaultHostname, ""
	}
	if err := SetHostname(name); err != nil {
		logf("%v", err)
	} else if from != "" {
		logf("hostname %s (from %s)", name, from)
	} else {
		logf("hostname %s (default)", name)
	}
	network(cfg, logf)
}

// network brings up lo and the first NIC, configured from the kernel command line.
func network(cfg Config, logf func(string, ...any)) {
	if err := LinkUp("lo"); err != nil {
		logf("network: %v", err)
	} else {
		logf("network: lo up")
	}
	cmdline, err := os.ReadFile(filepath.Join(cfg.Root, "proc/cmdline"))
	if err != nil {
		logf("network: %v", err)
	}
	nc, err := ParseIPParam(string(cmdline))
	if err != nil {
		logf("network: %v", err)
		return
	}
	if nc.Off {
		logf("network: ip=off; leaving the NICs alone")
		return
	}
	dev := nc.Device
	if dev == "" {
		if dev, err = FirstNIC(filepath.Join(cfg.Root, "sys")); err != nil {
			logf("network: %v", err)
			return
		}
		if dev == "" {
			logf("network: no NIC besides lo")
			return
		}
	}
	if err := LinkUp(dev); err != nil {
		logf("network: %v", err)
		return
	}
	if nc.DHCP {
		ctx, cancel := context.WithTimeout(context.Background(), DHCPTimeout)
		lease, err := DHCP(ctx, dev)
		cancel()
		if err != nil {
			logf("network: %v", err)
			return
		}
		nc = NetConfig{Address: lease.Address, Mask: lease.Mask, Gateway: lease.Router}
		if err := WriteResolvConf(filepath.Join(cfg.Root, ResolvConf), lease); err != nil {
			logf("network: %v", err)
		}
		logf("network: DHCP lease from %v for %v, DNS %v", lease.Server, lease.Duration, lease.DNS)
	}
	if err := Configure(dev, nc); err != nil {
		logf("network: %v", err)
		return
	}
	ones, _ := nc.Mask.Size()
	logf("network: %s %v/%d gateway %v", dev, nc.Address, ones, nc.Gateway)
}
