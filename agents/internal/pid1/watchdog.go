package pid1

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// DefaultReadyTimeout is how long a machine waits for ready before it checks whether it
// booted a slot on trial (kernel parameter kitbash.ready-timeout=SECONDS changes it).
const DefaultReadyTimeout = 5 * time.Minute

// ReadyTimeoutFromCmdline returns kitbash.ready-timeout=SECONDS from a kernel command
// line, or def when it is absent or malformed.
func ReadyTimeoutFromCmdline(cmdline string, def time.Duration) time.Duration {
	for _, f := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(f, "kitbash.ready-timeout="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return def
}

// slotStatus is the part of `bootslot status` the watchdog reads.
type slotStatus struct {
	Booted string `json:"booted"`
	Slots  []struct {
		Slot  string `json:"slot"`
		State string `json:"state"`
	} `json:"slots"`
}

// onTrial runs argv (bootslot status) and reports whether the booted slot is not known
// good: on trial, or out of tries. Errors are returned, and then nothing is rebooted.
func onTrial(argv []string) (bool, string, error) {
	if len(argv) == 0 {
		return false, "", fmt.Errorf("no slot status command")
	}
	if _, err := os.Stat(argv[0]); err != nil {
		return false, "", err
	}
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		return false, "", fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return trialFromStatus(out)
}

func trialFromStatus(out []byte) (bool, string, error) {
	var st slotStatus
	if err := json.Unmarshal(out, &st); err != nil {
		return false, "", fmt.Errorf("slot status: %w", err)
	}
	for _, s := range st.Slots {
		if s.Slot == st.Booted {
			return s.State != "good", s.State, nil
		}
	}
	return false, "", fmt.Errorf("slot status names no booted slot")
}

// watchReady reboots the machine when it is not ready after timeout and the slot it
// booted is on trial: systemd-boot has already counted the try, so the next boot falls
// back to the other slot. A known-good slot that cannot get ready is left running.
func watchReady(timeout time.Duration, ready func() bool, status []string, reboot func(), logf func(string, ...any)) {
	time.Sleep(timeout)
	if ready() {
		return
	}
	trial, state, err := onTrial(status)
	switch {
	case err != nil:
		logf("not ready after %s; slot status unknown (%v): staying up", timeout, err)
	case trial:
		logf("not ready after %s on a slot on trial (%s): rebooting to fall back to the other slot", timeout, state)
		reboot()
	default:
		logf("not ready after %s on a known-good slot: staying up", timeout)
	}
}
