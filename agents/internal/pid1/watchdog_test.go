package pid1

import (
	"strings"
	"testing"
	"time"
)

func TestReadyTimeoutFromCmdline(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"console=ttyS0 kitbash.ready-timeout=30 panic=10": 30 * time.Second,
		"console=ttyS0":                DefaultReadyTimeout,
		"kitbash.ready-timeout=x":      DefaultReadyTimeout,
		"kitbash.ready-timeout=0":      DefaultReadyTimeout,
		"kitbash.ready-timeoutx=5 a=b": DefaultReadyTimeout,
	} {
		if got := ReadyTimeoutFromCmdline(in, DefaultReadyTimeout); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

func TestTrialFromStatus(t *testing.T) {
	for in, want := range map[string]bool{
		`{"booted":"b","slots":[{"slot":"a","state":"good"},{"slot":"b","state":"exhausted"}]}`: true,
		`{"booted":"b","slots":[{"slot":"a","state":"good"},{"slot":"b","state":"trial"}]}`:     true,
		`{"booted":"a","slots":[{"slot":"a","state":"good"},{"slot":"b","state":"none"}]}`:      false,
	} {
		got, _, err := trialFromStatus([]byte(in))
		if err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	if _, _, err := trialFromStatus([]byte(`{"booted":"","slots":[]}`)); err == nil {
		t.Error("no booted slot: no error")
	}
}

func TestWatchReadyRebootsOnlyATrialSlot(t *testing.T) {
	for _, tc := range []struct {
		name, status string
		ready, want  bool
	}{
		{"trial, not ready", `{"booted":"b","slots":[{"slot":"b","state":"exhausted"}]}`, false, true},
		{"good, not ready", `{"booted":"a","slots":[{"slot":"a","state":"good"}]}`, false, false},
		{"trial, ready", `{"booted":"b","slots":[{"slot":"b","state":"exhausted"}]}`, true, false},
	} {
		rebooted := false
		var logs []string
		watchReady(time.Millisecond, func() bool { return tc.ready }, []string{"/bin/echo", tc.status},
			func() { rebooted = true }, func(f string, a ...any) { logs = append(logs, f) })
		if rebooted != tc.want {
			t.Errorf("%s: rebooted %v; logs %s", tc.name, rebooted, strings.Join(logs, "; "))
		}
	}
}
