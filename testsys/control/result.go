package control

import (
	"fmt"
	"strings"
)

// Result is what a command did in the guest.
type Result struct {
	Exit   int    // exit status; -1 when Error is set
	Stdout string // may hold any bytes
	Stderr string
	// Error is the agent's reason when the command could not run or was killed at its
	// timeout; empty otherwise.
	Error string
}

// Err is nil when the command ran and exited 0, otherwise an error quoting its
// status, the agent's error and the end of its stderr.
func (r Result) Err() error {
	if r.Error == "" && r.Exit == 0 {
		return nil
	}
	var b strings.Builder
	if r.Error != "" {
		b.WriteString(r.Error)
	} else {
		fmt.Fprintf(&b, "exit status %d", r.Exit)
	}
	if s := strings.TrimSpace(r.Stderr); s != "" {
		if len(s) > 2000 {
			s = "…" + s[len(s)-2000:]
		}
		b.WriteString(": " + s)
	}
	return fmt.Errorf("%s", b.String())
}
