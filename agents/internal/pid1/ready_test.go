package pid1

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadyCommand(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "blessed")
	var out bytes.Buffer
	var logs []string
	logf := func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
	runReadyCommand([]string{"/bin/sh", "-c", "echo blessing; touch " + mark}, &out, logf)
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("ready command did not run: %v", err)
	}
	if out.String() != "blessing\n" || !strings.Contains(strings.Join(logs, "\n"), "done") {
		t.Fatalf("output %q, logs %q", out.String(), logs)
	}
	logs = nil
	runReadyCommand([]string{"/bin/sh", "-c", "exit 3"}, &out, logf)
	if !strings.Contains(strings.Join(logs, "\n"), "exit status 3") {
		t.Fatalf("failure not logged: %q", logs)
	}
	logs = nil
	runReadyCommand([]string{filepath.Join(dir, "missing")}, &out, logf)
	if !strings.Contains(strings.Join(logs, "\n"), "not run") {
		t.Fatalf("missing program not logged: %q", logs)
	}
	if DefaultConfig().ReadyCommand[0] != "/usr/bin/bootslot" {
		t.Fatal("a machine's init does not bless its boot entry at ready")
	}
}
