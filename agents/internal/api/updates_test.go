package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/updater"
)

const (
	rootTarget = "dev-x86_64-0.2.0-root.zst"
	choiceJSON = `{"update": {"version": "0.2.0"}, "reason": "0.2.0 is newer than the running 0.1.0", "running_version": "0.1.0"}`
	resultJSON = `{"slot": "b", "version": "0.2.0", "entry": "kitbash-b+1.conf", "written": {"root": 4194304}, "duration_ns": 5}`
	reasonLine = "updater: 0.2.0 is newer than the running 0.1.0"
	rootError  = "updater: apply: apply 0.2.0: root (" + rootTarget + " to ROOT-B /dev/vda4): write: no space left on device"
)

// Progress lines of the fake updater.
var (
	progressClear = `{"step":"clear","written":0,"downloaded":0}`
	progressRoot  = `{"step":"root","target":"` + rootTarget + `","written":1048576,"downloaded":524288,"length":2097152}`
	progressDone  = `{"step":"done","written":0,"downloaded":0,"done":true}`
)

// fakeUpdater writes a shell script standing for the updater: it appends its
// arguments to DIR/args, then runs body with $D set to DIR. It returns the script and
// DIR.
func fakeUpdater(t *testing.T, body string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\nD=%q\necho \"$*\" >>\"$D/args\"\n%s\n", dir, body)
	path := filepath.Join(dir, "updater")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

// waitFor is the shell loop that blocks the fake updater until the test creates DIR/go.
const waitFor = `while [ ! -e "$D/go" ]; do sleep 0.02; done`

// serveUpdates serves the API with update endpoints running updaterPath.
func serveUpdates(t *testing.T, updaterPath string) (*client, *Updates) {
	t.Helper()
	e := newEnv(t)
	u := NewUpdates(UpdatesOptions{Updater: updaterPath, CancelWait: 10 * time.Second, Logf: t.Logf})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := u.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return serveHandler(t, NewHandler(e.open(e.options()), u)), u
}

// status reads GET /v1/updates/status.
func (c *client) status() UpdateStatus {
	c.t.Helper()
	return c.decodeStatus(c.send("GET", "/v1/updates/status", "", http.StatusOK))
}

// send sends a request, checks its status and returns its body.
func (c *client) send(method, path, body string, status int) []byte {
	c.t.Helper()
	req, err := http.NewRequest(method, "http://localhost"+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s %s: status %d, want %d: %s", method, path, body, resp.StatusCode, status, b)
	}
	return b
}

func (c *client) decodeStatus(b []byte) UpdateStatus {
	c.t.Helper()
	var st UpdateStatus
	if err := json.Unmarshal(b, &st); err != nil {
		c.t.Fatalf("status %s: %v", b, err)
	}
	return st
}

// waitStatus polls the status until ok accepts it.
func (c *client) waitStatus(what string, ok func(UpdateStatus) bool) UpdateStatus {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := c.status()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("waiting for %s: status %s", what, js(st))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func stateIs(state string) func(UpdateStatus) bool {
	return func(st UpdateStatus) bool { return st.State == state }
}

// sameJSON compares two JSON texts.
func sameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v: %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
	}
}

func readArgs(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUpdateCheck(t *testing.T) {
	path, dir := fakeUpdater(t, `echo "updater: warning: odd manifest" >&2
cat <<'J'
`+choiceJSON+`
J`)
	c, _ := serveUpdates(t, path)
	st := c.status()
	if st.State != UpdateIdle || st.Run != 0 || st.Choice != nil || st.Log == nil {
		t.Fatalf("initial status %s", js(st))
	}
	sameJSON(t, "check", c.send("POST", "/v1/updates/check", "", 200), choiceJSON)
	st = c.status()
	if st.State != UpdateIdle || st.Run != 1 || st.Error != "" || !reflect.DeepEqual(st.Log, []string{"updater: warning: odd manifest"}) {
		t.Fatalf("status after check %s", js(st))
	}
	sameJSON(t, "status choice", st.Choice, choiceJSON)
	if args := readArgs(t, dir); args != "check\n" {
		t.Fatalf("updater ran with %q", args)
	}
}

func TestUpdateCheckFails(t *testing.T) {
	path, _ := fakeUpdater(t, `echo "updater: check: refresh TUF metadata: connection refused" >&2; exit 3`)
	c, _ := serveUpdates(t, path)
	c.expect("POST", "/v1/updates/check", "", 502,
		`{"errors": [{"path": "", "reason": "updater check: updater: check: refresh TUF metadata: connection refused"}]}`)
	if st := c.status(); st.State != UpdateFailed || st.Error != "updater: check: refresh TUF metadata: connection refused" {
		t.Fatalf("status %s", js(st))
	}

	// exit 0 without a choice is a failure too, never trusted
	path, _ = fakeUpdater(t, `echo "0.2.0 is available"`)
	c, _ = serveUpdates(t, path)
	c.send("POST", "/v1/updates/check", "", 502)
	if st := c.status(); st.State != UpdateFailed || !strings.HasPrefix(st.Error, "updater check exited 0 but: the updater's choice: ") {
		t.Fatalf("status %s", js(st))
	}
}

func TestUpdateApplyProgress(t *testing.T) {
	path, dir := fakeUpdater(t, `echo "`+reasonLine+`" >&2
echo '`+progressClear+`' >&2
echo '`+progressRoot+`' >&2
`+waitFor+`
echo '`+progressDone+`' >&2
cat <<'J'
{"choice": `+choiceJSON+`,
 "result": `+resultJSON+`}
J`)
	c, _ := serveUpdates(t, path)
	st := c.decodeStatus(c.send("POST", "/v1/updates/apply", `{"reboot": false}`, 202))
	if st.State != UpdateApplying || st.Run != 1 || st.Reboot {
		t.Fatalf("apply answered %s", js(st))
	}
	st = c.waitStatus("the root progress", func(st UpdateStatus) bool { return st.Progress != nil && st.Progress.Step == "root" })
	want := UpdateProgress{Step: "root", Target: rootTarget, Written: 1 << 20, Downloaded: 512 << 10, Length: 2 << 20}
	if st.State != UpdateApplying || *st.Progress != want || !reflect.DeepEqual(st.Log, []string{reasonLine}) {
		t.Fatalf("status while applying %s", js(st))
	}
	// One run at a time.
	c.expect("POST", "/v1/updates/apply", "", 409,
		`{"errors": [{"path": "", "reason": "the updater is already running (apply, run 1): wait for it, or cancel an apply"}]}`)
	c.send("POST", "/v1/updates/check", "", 409)

	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	st = c.waitStatus("applied", func(st UpdateStatus) bool { return st.State != UpdateApplying })
	if st.State != UpdateApplied || st.Run != 1 || *st.Progress != (UpdateProgress{Step: "done", Done: true}) || st.Error != "" {
		t.Fatalf("status after the apply %s", js(st))
	}
	sameJSON(t, "choice", st.Choice, choiceJSON)
	sameJSON(t, "result", st.Result, resultJSON)
	if args := readArgs(t, dir); args != "apply -progress json\n" {
		t.Fatalf("updater ran with %q", args)
	}
}

func TestUpdateApplyFails(t *testing.T) {
	path, _ := fakeUpdater(t, `echo "`+reasonLine+`" >&2
echo '`+progressRoot+`' >&2
echo "`+rootError+`" >&2
exit 3`)
	c, _ := serveUpdates(t, path)
	c.send("POST", "/v1/updates/apply", "", 202)
	st := c.waitStatus("failed", func(st UpdateStatus) bool { return st.State != UpdateApplying })
	if st.State != UpdateFailed || st.Error != rootError || st.Progress == nil || st.Progress.Step != "root" ||
		!reflect.DeepEqual(st.Log, []string{reasonLine, rootError}) || st.Result != nil {
		t.Fatalf("status %s", js(st))
	}
	// The next run starts afresh.
	c.send("POST", "/v1/updates/apply", "", 202)
	st = c.waitStatus("failed again", func(st UpdateStatus) bool { return st.Run == 2 && st.State != UpdateApplying })
	if st.State != UpdateFailed || len(st.Log) != 2 {
		t.Fatalf("second run %s", js(st))
	}
}

func TestUpdateCancel(t *testing.T) {
	path, dir := fakeUpdater(t, `trap 'echo TERM >"$D/signal"; echo "updater: apply: apply 0.2.0: root: context canceled" >&2; exit 3' TERM
echo '`+progressRoot+`' >&2
while :; do sleep 0.02; done`)
	c, _ := serveUpdates(t, path)
	c.expect("POST", "/v1/updates/cancel", "", 409,
		`{"errors": [{"path": "", "reason": "no update is being applied (state idle): nothing to cancel"}]}`)

	c.send("POST", "/v1/updates/apply", `{"reboot": true}`, 202)
	c.waitStatus("progress", func(st UpdateStatus) bool { return st.Progress != nil }) // the trap is set
	st := c.decodeStatus(c.send("POST", "/v1/updates/cancel", "", 200))
	if st.State != UpdateCancelled || !st.Reboot || st.Error != "updater: apply: apply 0.2.0: root: context canceled" {
		t.Fatalf("cancel answered %s", js(st))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "signal")); err != nil || string(b) != "TERM\n" {
		t.Fatalf("the updater got no SIGTERM: %q %v", b, err)
	}
	if args := readArgs(t, dir); args != "apply -progress json -reboot\n" {
		t.Fatalf("updater ran with %q", args)
	}
	c.send("POST", "/v1/updates/cancel", "", 409)
	if st := c.status(); st.State != UpdateCancelled {
		t.Fatalf("status %s", js(st))
	}
}

// Applies started together: exactly one runs.
func TestUpdateApplyOneAtATime(t *testing.T) {
	path, dir := fakeUpdater(t, waitFor+"\ncat <<'J'\n"+choiceJSON+"\nJ")
	c, _ := serveUpdates(t, path)
	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.c.Post("http://localhost/v1/updates/apply", "", nil)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for code := range codes {
		got[code]++
	}
	if got[202] != 1 || got[409] != 7 {
		t.Fatalf("statuses %v", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// No update: back to idle, with the choice saying why.
	st := c.waitStatus("idle", stateIs(UpdateIdle))
	sameJSON(t, "choice", st.Choice, choiceJSON)
	if st.Result != nil || st.Run != 1 || readArgs(t, dir) != "apply -progress json\n" {
		t.Fatalf("status %s", js(st))
	}
}

func TestUpdateRunFailures(t *testing.T) {
	// No updater binary.
	c, _ := serveUpdates(t, filepath.Join(t.TempDir(), "no-updater"))
	c.send("POST", "/v1/updates/apply", "", 500)
	if st := c.status(); st.State != UpdateFailed || st.Run != 1 || !strings.Contains(st.Error, "start the updater: ") {
		t.Fatalf("status %s", js(st))
	}
	// Killed, with nothing said; then exit 0 without a result.
	for body, want := range map[string]string{
		"kill -9 $$":           "updater apply: signal: killed, with no error message",
		"echo 'all done'":      "updater apply exited 0 but: the updater's result: invalid character 'a' looking for beginning of value",
		`echo '{"result": 1}'`: `updater apply exited 0 but: the updater's result: "1" is not an object`,
	} {
		path, _ := fakeUpdater(t, body)
		c, _ := serveUpdates(t, path)
		c.send("POST", "/v1/updates/apply", "", 202)
		if st := c.waitStatus("the end", func(st UpdateStatus) bool { return st.State != UpdateApplying }); st.State != UpdateFailed || st.Error != want {
			t.Errorf("%s: status %s", body, js(st))
		}
	}
}

// Close stops a running apply and refuses new runs.
func TestUpdatesClose(t *testing.T) {
	path, _ := fakeUpdater(t, `trap 'exit 3' TERM
echo '`+progressClear+`' >&2
while :; do sleep 0.02; done`)
	c, u := serveUpdates(t, path)
	c.send("POST", "/v1/updates/apply", "", 202)
	c.waitStatus("progress", func(st UpdateStatus) bool { return st.Progress != nil })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := u.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.status(); st.State != UpdateCancelled || st.Error != "updater apply: exit status 3, with no error message" {
		t.Fatalf("status %s", js(st))
	}
	c.send("POST", "/v1/updates/check", "", 503)
}

func TestUpdateRequests(t *testing.T) {
	path, _ := fakeUpdater(t, "exit 0")
	c, _ := serveUpdates(t, path)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/v1/updates/apply", "", 405},
		{"POST", "/v1/updates/status", "", 405},
		{"POST", "/v1/updates/apply?reboot=1", "", 400},
		{"POST", "/v1/updates/apply", `{"reboot": "yes"}`, 400},
		{"POST", "/v1/updates/apply", `{"rebot": true}`, 400},
		{"POST", "/v1/updates/apply", `{"reboot": true} {}`, 400},
		{"POST", "/v1/updates/apply", `[]`, 400},
		{"POST", "/v1/updates/apply", `{"reboot": true, "x": "` + strings.Repeat("x", MaxBody) + `"}`, 413},
		{"GET", "/v1/updates/nope", "", 404},
	} {
		c.send(tc.method, tc.path, tc.body, tc.status)
	}
	req, _ := http.NewRequest("POST", "http://localhost/v1/updates/apply", strings.NewReader(`{"reboot": true}`))
	req.Header.Set("Content-Type", "text/plain")
	if resp, err := c.c.Do(req); err != nil || resp.StatusCode != 415 {
		t.Fatalf("text/plain: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if st := c.status(); st.Run != 0 {
		t.Fatalf("a bad request ran the updater: %s", js(st))
	}
	// Without Updates, no update endpoints.
	e := newEnv(t)
	serve(t, e.open(e.options())).send("GET", "/v1/updates/status", "", 404)
}

// UpdateProgress reads every field updater.Progress writes.
func TestUpdateProgressMatchesUpdater(t *testing.T) {
	in := updater.Progress{Step: "root", Target: "t.zst", Written: 1, Downloaded: 2, Length: 3, Done: true}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p UpdateProgress
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	back, _ := json.Marshal(p)
	if !bytes.Equal(back, b) {
		t.Fatalf("updater wrote %s, api reads %s", b, back)
	}
	if _, ok := parseProgress(string(b)); !ok {
		t.Fatalf("%s is no progress", b)
	}
	for _, line := range []string{"", "updater: {x}", "{}", `{"step": 1}`, "{not json"} {
		if _, ok := parseProgress(line); ok {
			t.Errorf("%q read as progress", line)
		}
	}
}

func TestLineWriter(t *testing.T) {
	var lines []string
	w := &lineWriter{line: func(s string) { lines = append(lines, s) }}
	long := strings.Repeat("x", logLineBytes+10)
	for _, p := range []string{"one\r\ntw", "o\n", long + "\n", "tail"} {
		w.Write([]byte(p))
	}
	w.Flush()
	want := []string{"one", "two", long[:logLineBytes], "xxxxxxxxxx", "tail"}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("lines %q", lines)
	}
	var kept []string
	for i := range 7 {
		kept = appendBounded(kept, fmt.Sprint(i), 3)
	}
	if !reflect.DeepEqual(kept, []string{"4", "5", "6"}) {
		t.Fatalf("kept %q", kept)
	}
}
