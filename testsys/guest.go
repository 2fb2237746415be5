package testsys

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/testsys/control"
	"github.com/kitbash-dev/kitbash/testsys/qemu"
)

// Console patterns.
var (
	readyRE      = regexp.MustCompile(`KITBASH-READY|KITBASH-BOOT-FAILED`)
	bootFailedRE = regexp.MustCompile(`KITBASH-BOOT-FAILED:?\s*(.*)`)
	readyJSONRE  = regexp.MustCompile(`KITBASH-READY\s*(\{.*\})`)
)

// consoleTail is how many console lines a failed case quotes.
const consoleTail = 40

// guest is one booted machine with its control channel.
type guest struct {
	name    string
	m       *qemu.Machine
	ctl     *control.Client
	ready   time.Duration // QEMU start to the ready line
	info    readyInfo
	log     *os.File
	sockDir string
	cmdTime time.Duration
}

// readyInfo is the JSON on init's ready line.
type readyInfo struct {
	Services int   `json:"services"`
	BootMs   int64 `json:"bootMs"`
}

// boot starts QEMU on disk (a copy), waits for the ready line and connects the
// control channel. The returned guest, also on error when not nil, must be stopped.
func (r *runner) boot(ctx context.Context, name, disk string) (*guest, error) {
	g := &guest{name: name, cmdTime: r.o.CommandTimeout}
	// Unix socket paths are short (108 bytes): keep the socket out of the work dir.
	dir, err := os.MkdirTemp("", "kitbash-ctl-")
	if err != nil {
		return nil, fmt.Errorf("control socket directory: %w", err)
	}
	g.sockDir = dir
	sock := filepath.Join(dir, "ctl.sock")
	if g.log, err = os.Create(filepath.Join(r.work, name+".console.log")); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("console log: %w", err)
	}
	r.logf("[%s] booting %s under QEMU (%s, UEFI)", name, filepath.Base(disk), r.o.Accel)
	g.m, err = qemu.Start(ctx,
		qemu.WithQEMU(r.o.QEMU), qemu.WithUEFI(r.o.OVMFCode, r.o.OVMFVars),
		qemu.WithDisk(disk, false), qemu.WithMemory(r.o.MemoryMiB), qemu.WithAccel(r.o.Accel),
		qemu.WithSerialLog(g.log), qemu.WithControlSocket(sock))
	if err != nil {
		g.stop()
		return nil, err
	}
	bctx, cancel := context.WithTimeout(ctx, r.o.BootTimeout)
	defer cancel()
	line, at, err := g.m.WaitFor(bctx, readyRE)
	if err != nil {
		return g, fmt.Errorf("no ready line within %v: %w", r.o.BootTimeout, err)
	}
	if m := bootFailedRE.FindStringSubmatch(line); m != nil {
		return g, fmt.Errorf("boot failed: %s", strings.TrimSpace(m[1]))
	}
	g.ready = at
	if m := readyJSONRE.FindStringSubmatch(line); m != nil {
		_ = json.Unmarshal([]byte(m[1]), &g.info) // informational only
	}
	r.logf("[%s] ready after %s: %s", name, roundDur(at), line)
	// testsysd is a required service: it is up once init is ready.
	dctx, cancel2 := context.WithTimeout(ctx, r.o.CommandTimeout)
	defer cancel2()
	if g.ctl, err = control.Dial(dctx, sock, control.WithCommandTimeout(r.o.CommandTimeout)); err != nil {
		return g, fmt.Errorf("control channel (testsysd on ttyS1): %w", err)
	}
	return g, nil
}

// stop ends the machine and releases what boot made.
func (g *guest) stop() {
	if g == nil {
		return
	}
	if g.ctl != nil {
		g.ctl.Close()
	}
	if g.m != nil {
		g.m.Stop()
	}
	if g.log != nil {
		g.log.Close()
	}
	if g.sockDir != "" {
		os.RemoveAll(g.sockDir)
	}
}

// tail is the end of the console, or nil without a machine.
func (g *guest) tail() []string {
	if g == nil || g.m == nil {
		return nil
	}
	l := g.m.Lines()
	return l[max(0, len(l)-consoleTail):]
}

// exec runs argv in the guest within the command timeout.
func (g *guest) exec(ctx context.Context, argv []string, stdin string) (control.Result, error) {
	if g == nil || g.ctl == nil {
		return control.Result{}, fmt.Errorf("no control channel to the guest")
	}
	ctx, cancel := context.WithTimeout(ctx, g.cmdTime)
	defer cancel()
	return g.ctl.Exec(ctx, argv, stdin)
}

// run is exec that also fails when the command fails; it returns stdout.
func (g *guest) run(ctx context.Context, argv ...string) (string, error) {
	res, err := g.exec(ctx, argv, "")
	if err != nil {
		return "", err
	}
	if err := res.Err(); err != nil {
		return res.Stdout, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return res.Stdout, nil
}

// sh runs a shell script in the guest and returns its stdout.
func (g *guest) sh(ctx context.Context, script string) (string, error) {
	return g.run(ctx, "/usr/bin/sh", "-c", script)
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
