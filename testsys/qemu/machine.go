package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrStopped is in the error [Machine.Wait] returns after [Machine.Stop] killed QEMU.
var ErrStopped = errors.New("qemu: stopped")

// tailLines is how many serial lines an error quotes.
const tailLines = 20

// Machine is one running (or exited) QEMU process.
type Machine struct {
	ctx     context.Context // Start's; its end kills QEMU
	cmd     *exec.Cmd
	con     *console
	stderr  *tailBuffer
	timeout time.Duration
	tmpDir  string   // holds the UEFI variables copy; removed when QEMU exits
	stdin   *os.File // WithConsoleInput's pipe; closed when QEMU exits

	timer    *time.Timer
	stopOnce sync.Once
	stopErr  error

	mu       sync.Mutex // guards the two flags
	stopped  bool
	timedOut bool

	done    chan struct{} // closed once QEMU was waited for and its output read
	waitErr error         // from exec.Cmd.Wait; valid after done
}

// Start runs QEMU as the options describe and returns once the process has started;
// the guest boots in the background. Cancelling ctx kills QEMU (as [Machine.Stop]
// does); [Machine.Stop] must be called, or [Machine.Wait] must return, to release the
// machine.
func Start(ctx context.Context, opts ...Option) (*Machine, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return nil, fmt.Errorf("qemu: %w", err)
		}
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("qemu: %w", err)
	}
	bin, err := exec.LookPath(c.qemu)
	if err != nil {
		return nil, fmt.Errorf("qemu: %w; fix: install QEMU (Debian: qemu-system-x86) or name the binary with WithQEMU", err)
	}
	m := &Machine{ctx: ctx, stderr: &tailBuffer{max: 4096}, timeout: c.timeout, done: make(chan struct{})}
	var vars string
	if c.uefiCode != "" {
		if m.tmpDir, err = os.MkdirTemp("", "kitbash-qemu-"); err != nil {
			return nil, fmt.Errorf("qemu: UEFI variables: %w", err)
		}
		vars = filepath.Join(m.tmpDir, "vars.fd")
		if err := copyFile(vars, c.uefiVars); err != nil {
			os.RemoveAll(m.tmpDir)
			return nil, fmt.Errorf("qemu: UEFI variables: %w", err)
		}
	}
	args := c.args(resolveAccel(c.accel, "/dev/kvm"), vars)
	m.cmd = exec.CommandContext(ctx, bin, args...)
	m.cmd.Stdin = nil // /dev/null: QEMU leaves the terminal alone
	var stdinW *os.File
	if c.consoleIn != nil {
		// A pipe, not the terminal itself: QEMU runs in its own process group, which
		// may not read a terminal, and it would change the terminal's settings.
		pr, pw, err := os.Pipe()
		if err != nil {
			m.cleanupTmp()
			return nil, fmt.Errorf("qemu: console input: %w", err)
		}
		m.cmd.Stdin, stdinW = pr, pw
		defer pr.Close() // the child has its copy once started
	}
	m.cmd.Stderr = m.stderr
	// Its own process group, so a terminal's signals reach the test, not QEMU; killed
	// with the process that started it (if that dies without calling Stop).
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	m.cmd.Cancel = func() error { return m.cmd.Process.Kill() } // by pid, never the group
	m.cmd.WaitDelay = 2 * time.Second                           // bounds reading output a stray child keeps open

	start := time.Now()
	m.con = newConsole(start, c.serialLog)
	m.cmd.Stdout = m.con
	if c.consoleOut != nil {
		m.cmd.Stdout = io.MultiWriter(m.con, &softWriter{w: c.consoleOut})
	}
	if err := m.cmd.Start(); err != nil {
		m.cleanupTmp()
		if stdinW != nil {
			stdinW.Close()
		}
		return nil, fmt.Errorf("qemu: start %s %s: %w", bin, strings.Join(args, " "), err)
	}
	if stdinW != nil {
		m.stdin = stdinW
		go func() {
			io.Copy(stdinW, c.consoleIn) // ends when QEMU exits: wait closes stdinW
		}()
	}
	if c.timeout > 0 {
		m.timer = time.AfterFunc(c.timeout, func() {
			m.mu.Lock()
			m.timedOut = true
			m.mu.Unlock()
			m.cmd.Process.Kill()
		})
	}
	go m.wait()
	return m, nil
}

// wait reaps QEMU, then marks the console finished and the machine done.
func (m *Machine) wait() {
	m.waitErr = m.cmd.Wait()
	if m.timer != nil {
		m.timer.Stop()
	}
	m.cleanupTmp()
	if m.stdin != nil {
		m.stdin.Close()
	}
	m.con.finish()
	close(m.done)
}

// Pid is QEMU's process id.
func (m *Machine) Pid() int { return m.cmd.Process.Pid }

// Lines returns every serial line so far, without escape sequences or control
// characters.
func (m *Machine) Lines() []string { return m.con.texts(0) }

// WaitFor waits until a serial line matches re and returns it with the time from
// QEMU's start to the line's arrival. Each call scans the lines after the one the
// previous successful call returned (the first call scans from the first line), so
// successive calls follow the boot. It fails, quoting the last 20 lines and QEMU's
// standard error, when QEMU exits first or ctx ends.
func (m *Machine) WaitFor(ctx context.Context, re *regexp.Regexp) (string, time.Duration, error) {
	if re == nil {
		return "", 0, errors.New("qemu: WaitFor: nil pattern")
	}
	c := m.con
	c.mu.Lock()
	i := c.next
	c.mu.Unlock()
	for {
		c.mu.Lock()
		for ; i < len(c.lines); i++ {
			if l := c.lines[i]; re.MatchString(l.text) {
				c.next = max(c.next, i+1)
				c.mu.Unlock()
				return l.text, l.at, nil
			}
		}
		changed, exited := c.changed, c.exited
		c.mu.Unlock()
		if exited {
			<-m.done
			code, err := m.result()
			why := fmt.Sprintf("qemu exited with code %d", code)
			if err != nil {
				why = err.Error()
			}
			return "", 0, fmt.Errorf("qemu: waiting for %q: %s before a line matched%s", re, why, m.context())
		}
		select {
		case <-ctx.Done():
			return "", 0, fmt.Errorf("qemu: waiting for %q: %w after %v%s",
				re, ctx.Err(), time.Since(c.start).Round(time.Millisecond), m.context())
		case <-changed:
		}
	}
}

// context quotes the last serial lines and QEMU's standard error for an error.
func (m *Machine) context() string {
	var b strings.Builder
	lines := m.con.tail(tailLines)
	fmt.Fprintf(&b, "; last %d serial lines:", len(lines))
	for _, l := range lines {
		b.WriteString("\n  | " + l)
	}
	if s := m.stderr.String(); s != "" {
		b.WriteString("\nqemu stderr:\n  ! " + strings.ReplaceAll(s, "\n", "\n  ! "))
	}
	return b.String()
}

// Stop kills QEMU by its pid, if it still runs, and waits until it has exited.
// It may be called any number of times, also after QEMU exited by itself.
func (m *Machine) Stop() error {
	m.stopOnce.Do(func() {
		select {
		case <-m.done:
			return
		default:
		}
		m.mu.Lock()
		m.stopped = true
		m.mu.Unlock()
		if err := m.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			m.stopErr = fmt.Errorf("qemu: kill pid %d: %w", m.cmd.Process.Pid, err)
		}
	})
	<-m.done
	return m.stopErr
}

// Wait waits for QEMU to exit and returns its exit code. The error is nil when the
// code is 0 (a guest that powered off, or rebooted: -no-reboot); otherwise it says
// why, with QEMU's standard error: a non-zero code, or the code -1 and a kill by
// [Machine.Stop] (wrapping [ErrStopped]), by [WithTimeout], or by Start's context.
func (m *Machine) Wait() (int, error) {
	<-m.done
	return m.result()
}

func (m *Machine) result() (int, error) {
	st := m.cmd.ProcessState
	if st == nil {
		return -1, fmt.Errorf("qemu: wait: %w", m.waitErr)
	}
	code := st.ExitCode()
	ws, _ := st.Sys().(syscall.WaitStatus)
	m.mu.Lock()
	stopped, timedOut := m.stopped, m.timedOut
	m.mu.Unlock()
	stderr := ""
	if s := m.stderr.String(); s != "" {
		stderr = ": " + lastLine(s)
	}
	switch {
	case ws.Signaled() && stopped:
		return code, fmt.Errorf("%w (killed by %v)", ErrStopped, ws.Signal())
	case ws.Signaled() && timedOut:
		return code, fmt.Errorf("qemu: killed after the %v timeout", m.timeout)
	case ws.Signaled() && m.ctx.Err() != nil:
		return code, fmt.Errorf("qemu: killed when its context ended: %w", context.Cause(m.ctx))
	case ws.Signaled():
		return code, fmt.Errorf("qemu: killed by %v%s", ws.Signal(), stderr)
	case code != 0:
		return code, fmt.Errorf("qemu: exited with code %d%s", code, stderr)
	}
	return 0, nil
}

// lastLine is the last non-empty line of s: QEMU's error message, usually.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func (m *Machine) cleanupTmp() {
	if m.tmpDir != "" {
		os.RemoveAll(m.tmpDir)
	}
}

// softWriter writes to w until the first error, then discards: a closed terminal must
// not stop QEMU's output from being read.
type softWriter struct {
	w      io.Writer
	failed bool
}

func (s *softWriter) Write(p []byte) (int, error) {
	if !s.failed {
		if _, err := s.w.Write(p); err != nil {
			s.failed = true
		}
	}
	return len(p), nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
