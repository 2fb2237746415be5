package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/api"
)

const (
	rootTarget = "dev-x86_64-0.2.0-root.zst"
	choiceJSON = `{"update": {"version": "0.2.0"}, "reason": "0.2.0 is newer than the running 0.1.0", "running_version": "0.1.0"}`
	rootError  = "updater: apply: apply 0.2.0: root (" + rootTarget + " to ROOT-B /dev/vda4): write: no space left on device"
)

// updaterServer serves the API with a fake updater running body (a shell script with
// $D its directory) and returns the socket and that directory.
func updaterServer(t *testing.T, body string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "updater")
	script := fmt.Sprintf("#!/bin/sh\nD=%q\n%s\n", dir, body)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	u := api.NewUpdates(api.UpdatesOptions{Updater: path, CancelWait: 10 * time.Second})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		u.Close(ctx)
	})
	return serverWith(t, u), dir
}

// runUpdate runs apiclient with a short status poll.
func runUpdate(t *testing.T, sock string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, poll: 10 * time.Millisecond}
	code := c.main(append([]string{"--socket", sock}, args...))
	return code, out.String(), errb.String()
}

func progress(step, target string, downloaded, length int64, done bool) string {
	b, _ := json.Marshal(api.UpdateProgress{Step: step, Target: target, Written: 2 * downloaded, Downloaded: downloaded, Length: length, Done: done})
	return "echo '" + string(b) + "' >&2\n"
}

func TestUpdateCheckStatusCancel(t *testing.T) {
	sock, _ := updaterServer(t, "cat <<'J'\n"+choiceJSON+"\nJ")
	code, out, errs := runUpdate(t, sock, "update", "check")
	var ch map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &ch) != nil || ch["reason"] != "0.2.0 is newer than the running 0.1.0" {
		t.Fatalf("check: %d %s %s", code, out, errs)
	}
	code, out, _ = runUpdate(t, sock, "update", "status")
	var st api.UpdateStatus
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.State != api.UpdateIdle || st.Run != 1 {
		t.Fatalf("status: %d %s", code, out)
	}
	code, _, errs = runUpdate(t, sock, "update", "cancel")
	if want := "apiclient: POST /v1/updates/cancel: 409 Conflict\n  no update is being applied (state idle): nothing to cancel\n"; code != 1 || errs != want {
		t.Fatalf("cancel: %d %q", code, errs)
	}
}

func TestUpdateApplyFollows(t *testing.T) {
	sock, _ := updaterServer(t, `echo "updater: 0.2.0 is newer than the running 0.1.0" >&2
`+progress("clear", "", 0, 0, false)+"sleep 0.3\n"+
		progress("root", rootTarget, 512<<10, 2<<20, false)+"sleep 0.3\n"+
		progress("root", rootTarget, 2<<20, 2<<20, true)+"sleep 0.3\n"+
		progress("done", "", 0, 0, true)+`cat <<'J'
{"choice": `+choiceJSON+`, "result": {"slot": "b", "version": "0.2.0", "entry": "kitbash-b+1.conf"}}
J`)
	code, out, errs := runUpdate(t, sock, "update", "apply")
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
	want := []string{
		"update: clear",
		"update: root " + rootTarget + ": 0.5 of 2.0 MiB",
		"update: root " + rootTarget + ": 2.0 of 2.0 MiB, verified",
		"update: done",
		"update: applied 0.2.0 to slot b; it boots next, once: reboot to run it",
	}
	// Each change once, in order; polls may miss one, but not the root progress or the end.
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	i := 0
	for _, l := range lines {
		for i < len(want) && want[i] != l {
			i++
		}
		if i == len(want) {
			t.Fatalf("stderr line %q out of order or repeated in\n%s", l, errs)
		}
		i++
	}
	if !strings.Contains(errs, want[1]+"\n") || lines[len(lines)-1] != want[len(want)-1] {
		t.Fatalf("stderr:\n%s", errs)
	}
}

func TestUpdateApplyFails(t *testing.T) {
	sock, _ := updaterServer(t, progress("root", rootTarget, 1<<20, 2<<20, false)+`echo "`+rootError+`" >&2; exit 3`)
	code, _, errs := runUpdate(t, sock, "update", "apply")
	if code != 1 || !strings.HasSuffix(errs, "apiclient: update failed:\n  "+rootError+"\n") || !strings.Contains(errs, "update: root "+rootTarget+": 1.0 of 2.0 MiB\n") {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
}

func TestUpdateApplyCancelled(t *testing.T) {
	sock, dir := updaterServer(t, `trap 'echo TERM >"$D/signal"; echo "updater: apply: apply 0.2.0: root: context canceled" >&2; exit 3' TERM
`+progress("root", rootTarget, 1<<20, 2<<20, false)+`while :; do sleep 0.02; done`)
	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := runUpdate(t, sock, "update", "apply", "--reboot")
		done <- result{code, out, errs}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, out, _ := runUpdate(t, sock, "update", "status")
		if strings.Contains(out, `"step": "root"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, out, errs := runUpdate(t, sock, "update", "cancel")
	if code != 0 || !strings.Contains(out, `"state": "cancelled"`) {
		t.Fatalf("cancel: %d %s %s", code, out, errs)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "signal")); err != nil || string(b) != "TERM\n" {
		t.Fatalf("no SIGTERM: %q %v", b, err)
	}
	r := <-done
	if r.code != 1 || !strings.HasSuffix(r.errs, "apiclient: update cancelled:\n  updater: apply: apply 0.2.0: root: context canceled\n") {
		t.Fatalf("apply: exit %d\n%s", r.code, r.errs)
	}
}

func TestUpdateApplyNoWait(t *testing.T) {
	sock, dir := updaterServer(t, `echo "$*" >"$D/args"; cat <<'J'
`+choiceJSON+`
J`)
	code, out, errs := runUpdate(t, sock, "update", "apply", "--no-wait", "--reboot")
	var st api.UpdateStatus
	if code != 0 || errs != "" || json.Unmarshal([]byte(out), &st) != nil || st.State != api.UpdateApplying || !st.Reboot {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	// The updater finds nothing to apply: waiting says so and succeeds.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, out, _ = runUpdate(t, sock, "update", "status"); strings.Contains(out, `"state": "idle"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "args")); err != nil || string(b) != "apply -progress json -reboot\n" {
		t.Fatalf("updater args %q %v", b, err)
	}
	code, _, errs = runUpdate(t, sock, "update", "apply")
	if code != 0 || errs != "update: nothing to apply: 0.2.0 is newer than the running 0.1.0\n" {
		t.Fatalf("exit %d: %q", code, errs)
	}
}

// fakeSettingsd answers an apply, then statuses from statuses, then drops every
// connection, as settingsd does when the guest reboots.
func fakeSettingsd(t *testing.T, statuses ...string) string {
	t.Helper()
	var n atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprint(w, `{"state": "applying", "run": 1, "reboot": true, "log": []}`)
			return
		}
		if i := int(n.Add(1)) - 1; i < len(statuses) {
			fmt.Fprint(w, statuses[i])
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	dir, err := os.MkdirTemp("", "kbcli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return sock
}

func TestUpdateApplyRebootGone(t *testing.T) {
	applying := `{"state": "applying", "run": 1, "reboot": true, "progress": {"step": "set-next", "written": 0, "downloaded": 0}, "log": []}`
	sock := fakeSettingsd(t, applying)
	code, _, errs := runUpdate(t, sock, "update", "apply", "--reboot")
	if code != 0 || !strings.HasPrefix(errs, "update: set-next\nupdate: settingsd went away while applying with --reboot, the guest is probably rebooting into the update (") || strings.Count(errs, "\n") != 2 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	// Without --reboot, losing settingsd is an error.
	sock = fakeSettingsd(t, applying)
	if code, _, errs := runUpdate(t, sock, "update", "apply"); code != 1 || !strings.Contains(errs, "apiclient: cannot reach settingsd at ") {
		t.Fatalf("without --reboot: exit %d:\n%s", code, errs)
	}
	// Another run took over the status.
	sock = fakeSettingsd(t, `{"state": "checking", "run": 2, "log": []}`)
	if code, _, errs := runUpdate(t, sock, "update", "apply", "--reboot"); code != 1 || !strings.Contains(errs, "the status is about run 2, not the apply (run 1)") {
		t.Fatalf("another run: exit %d:\n%s", code, errs)
	}
}

func TestUpdateUsage(t *testing.T) {
	for _, args := range [][]string{{"update"}, {"update", "frob"}, {"update", "check", "x"}, {"update", "status", "x"},
		{"update", "apply", "--bogus"}, {"update", "apply", "now"}} {
		if code, _, _ := runUpdate(t, "/nonexistent.sock", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestProgressLine(t *testing.T) {
	for p, want := range map[api.UpdateProgress]string{
		{Step: "clear"}:             "update: clear",
		{Step: "clear", Done: true}: "update: clear: done",
		{Step: "done", Done: true}:  "update: done",
		{Step: "root", Target: rootTarget, Written: 300 << 20, Downloaded: 120 << 20, Length: 230 << 20}: "update: root " + rootTarget + ": 120.0 of 230.0 MiB",
		{Step: "migrations", Target: "m.lz4", Downloaded: 1 << 19}:                                       "update: migrations m.lz4: 0.5 MiB",
	} {
		if got := progressLine(p); got != want {
			t.Errorf("%+v: %q, want %q", p, got, want)
		}
	}
}
