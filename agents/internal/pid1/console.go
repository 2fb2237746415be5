package pid1

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// InitialPIDNamespace is the link text of /proc/self/ns/pid in the machine's first
// PID namespace (PROC_PID_INIT_INO).
const InitialPIDNamespace = "pid:[4026531836]"

// InChildPIDNamespace reports whether this process runs in a PID namespace other than
// the machine's first one (an unshare test), judged from /proc/self/ns/pid. Without
// /proc it reports false.
func InChildPIDNamespace() bool {
	link, err := os.Readlink("/proc/self/ns/pid")
	return err == nil && link != InitialPIDNamespace
}

// Console returns the console writer: stdout if it is open (the kernel gives PID 1
// /dev/console as fds 0-2 when the root has /dev/console), else a writer that opens
// <root>/dev/console once it can (after devtmpfs is mounted) and drops output before.
func Console(root string) io.Writer {
	if _, err := os.Stdout.Stat(); err == nil {
		return os.Stdout
	}
	return &lateConsole{path: filepath.Join(root, "dev/console")}
}

type lateConsole struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func (c *lateConsole) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		f, err := os.OpenFile(c.path, os.O_WRONLY|syscall.O_NOCTTY, 0)
		if err != nil {
			return len(p), nil
		}
		c.f = f
	}
	return c.f.Write(p)
}
