//go:build integration

package integration

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/kitbash-dev/kitbash/testsys"
	"github.com/kitbash-dev/kitbash/testsys/control"
	"github.com/kitbash-dev/kitbash/testsys/qemu"
)

// TestUpdateV1ToV2 publishes the dev image's 0.1.0, 0.2.0 (which adds a settings
// migration) and a broken 0.3.0 to a TUF repository made by `kitbash repo`, served over
// HTTP on 127.0.0.1 (the guest reaches it as 10.0.2.2 through QEMU's user network), and
// boots 0.1.0 under OVMF. In one machine, in order:
//   - QEMU is killed while the updater writes slot B: 0.1.0 boots again;
//   - `apiclient update apply --reboot` (through settingsd): 0.2.0 boots from slot B,
//     blessed at ready, the settings kept and migrated;
//   - 0.3.0 never gets ready: init's watchdog reboots and 0.2.0 comes back by itself,
//     its settings intact;
//   - `apiclient update cancel` during an apply leaves the slot cleared;
//   - a tampered and an oversized target, an expired, a rolled-back and a forged
//     timestamp are each refused with a line naming why;
//   - max_version back to 0.1.0: the host downgrades itself to 0.1.0 (slot A), and
//     0.2.0's migration runs backward.
func TestUpdateV1ToV2(t *testing.T) {
	_, _, shared := fullBuild(t)
	m := newMachine(t, "update-builder", "project")
	m.ok(t, "build", "packages", "--cache-from", shared, "-o", "json")

	// The repository, and a server for it on a port chosen now (the image names it).
	work := t.TempDir()
	keys, repo := filepath.Join(work, "keys"), filepath.Join(work, "repo")
	m.ok(t, "repo", "keys", keys)
	m.ok(t, "repo", "create", repo, "--keys", keys)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(repo)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	port := l.Addr().(*net.TCPAddr).Port

	// The variant trusts the repository's root and points at the server.
	vdir := filepath.Join(m.project, "variants", "dev")
	root, err := os.ReadFile(filepath.Join(repo, "metadata", "1.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vdir, "root.json"), root, 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := os.ReadFile(filepath.Join(vdir, "variant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://10.0.2.2:%d", port)
	changed := strings.Replace(string(spec), "  motd: Welcome to Kitbash\n", fmt.Sprintf(
		"  motd: Welcome to Kitbash\n  updates.metadata-url: %s/metadata\n  updates.targets-url: %s/targets\n  updates.ignore-waves: true\n", base, base), 1)
	changed += "updates:\n  root: root.json\n"
	if err := os.WriteFile(filepath.Join(vdir, "variant.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	v1, _ := m.buildVariant(t)
	// From 0.2.0 on the variant ships a settings migration: 0.2.0 upper-cases motd,
	// going back lower-cases it.
	if err := os.MkdirAll(filepath.Join(vdir, "migrations"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vdir, "migrations", "0.2.0.json"), []byte(`{"schemaVersion": 1,
  "forward": [{"op": "transform", "key": "motd", "fn": "uppercase"}],
  "backward": [{"op": "transform", "key": "motd", "fn": "lowercase"}]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	changed = strings.Replace(changed, "updates:\n  root: root.json\n", "updates:\n  root: root.json\n  migrations: migrations\n", 1)
	if err := os.WriteFile(filepath.Join(vdir, "variant.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	v2, _ := m.buildVariant(t, "--version", "0.2.0")
	m.ok(t, "repo", "add", repo, "dev", "0.1.0", "--keys", keys, "--image-dir", v1.Dir)
	m.ok(t, "repo", "add", repo, "dev", "0.2.0", "--keys", keys, "--image-dir", v2.Dir)
	// 0.3.0 never gets ready: a required service that never is, and init's watchdog for
	// slots on trial set to 20 s. It is published once 0.2.0 runs.
	broken := strings.Replace(changed, "parameters: [console=ttyS0, panic=10]", "parameters: [console=ttyS0, panic=10, kitbash.ready-timeout=20]", 1)
	broken = strings.Replace(broken, "services:\n", "services:\n  never-ready:\n    command: [/usr/bin/sleep, \"100000\"]\n    ready: {kind: file, path: /run/never}\n    required: true\n", 1)
	if broken == changed || !strings.Contains(broken, "never-ready") || !strings.Contains(broken, "ready-timeout") {
		t.Fatal("could not make the broken variant")
	}
	if err := os.WriteFile(filepath.Join(vdir, "variant.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	v3, _ := m.buildVariant(t, "--version", "0.3.0")
	if r := m.kb(t, "repo", "validate", repo, "--root", filepath.Join(repo, "metadata", "1.root.json")); r.code != 0 {
		t.Fatalf("repo validate: %s%s", r.stdout, r.stderr)
	}

	// Boot 0.1.0.
	disk := filepath.Join(work, "disk.img")
	if err := testsys.CopyDisk(disk, filepath.Join(v1.Dir, v1.Disk)); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(work, "ctl.sock")
	console := &syncWriter{b: &strings.Builder{}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := func() *qemu.Machine {
		t.Helper()
		vm, err := qemu.Start(ctx, qemu.WithUEFI("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
			qemu.WithDisk(disk, false), qemu.WithMemory(1024), qemu.WithControlSocket(sock),
			qemu.WithUserNetwork(), qemu.WithReboot(), qemu.WithSerialLog(console))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { vm.Stop() })
		return vm
	}
	vm := start()
	defer func() {
		if t.Failed() {
			t.Logf("console:\n%s", tail(console.String(), 80))
		}
	}()
	ready := regexp.MustCompile(`KITBASH-READY|KITBASH-BOOT-FAILED`)
	waitReady := func(vm *qemu.Machine, what string) {
		t.Helper()
		bootCtx, bootCancel := context.WithTimeout(ctx, 10*time.Minute)
		defer bootCancel()
		line, _, err := vm.WaitFor(bootCtx, ready)
		if err != nil || !strings.Contains(line, "KITBASH-READY") {
			t.Fatalf("%s did not boot to ready: %v %s", what, err, line)
		}
	}
	waitReady(vm, "0.1.0")
	c, err := control.Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(c *control.Client, argv ...string) string {
		t.Helper()
		r, err := c.Exec(ctx, argv, "")
		if err != nil || r.Exit != 0 {
			t.Fatalf("%v: %v exit %d\n%s%s%s", argv, err, r.Exit, r.Stdout, r.Stderr, r.Error)
		}
		return r.Stdout
	}
	var choice struct {
		Update *struct{ Version string } `json:"update"`
	}
	if err := json.Unmarshal([]byte(exec(c, "/usr/bin/updater", "check")), &choice); err != nil || choice.Update == nil || choice.Update.Version != "0.2.0" {
		t.Fatalf("updater check chose %+v (%v)", choice.Update, err)
	}
	exec(c, "/usr/bin/apiclient", "set", "motd=kept across the update")

	// The power goes in the middle of writing the inactive slot: QEMU is killed once the
	// updater reports root bytes written. 0.1.0 must boot again, slot B empty.
	exec(c, "/usr/bin/sh", "-c", "/usr/bin/updater apply >/run/update.log 2>&1 &")
	for deadline := time.Now().Add(5 * time.Minute); ; {
		log := exec(c, "/usr/bin/cat", "/run/update.log")
		if regexp.MustCompile(`updater: root \S+: [1-9][0-9.]* MiB written`).MatchString(log) {
			t.Logf("killing QEMU during the write:\n%s", log)
			break
		}
		if time.Now().After(deadline) || strings.Contains(log, "updater: done") || strings.Contains(log, "updater: apply") {
			t.Fatalf("never saw the root being written (or it finished first):\n%s", log)
		}
		time.Sleep(500 * time.Millisecond)
	}
	c.Close()
	if err := vm.Stop(); err != nil {
		t.Logf("stop: %v", err)
	}
	vm = start()
	waitReady(vm, "0.1.0 after the interrupted update")
	c, err = control.Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	if osr := exec(c, "/usr/bin/cat", "/usr/lib/os-release"); !strings.Contains(osr, "VERSION_ID=0.1.0\n") {
		t.Fatalf("after the interrupted update, os-release:\n%s", osr)
	}

	// The retried update, through the settings API: apiclient update apply --reboot
	// (the request never answers: the guest reboots under it).
	started := time.Now()
	failed := applyAndReboot(ctx, c, "/usr/bin/apiclient", "update", "apply", "--reboot")
	waitReadyOr(t, ctx, vm, ready, failed, "0.2.0")
	t.Logf("update applied and rebooted to ready in %s", time.Since(started).Round(time.Second))
	c.Close()
	c2, err := control.Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if osr := exec(c2, "/usr/bin/cat", "/usr/lib/os-release"); !strings.Contains(osr, "VERSION_ID=0.2.0\n") {
		t.Fatalf("after the update, os-release:\n%s", osr)
	}
	var st struct {
		Booted string `json:"booted"`
		Slots  []struct {
			Slot, State string
		} `json:"slots"`
	}
	// init blesses the entry right after ready; give it the moment it needs
	deadline := time.Now().Add(time.Minute)
	for {
		if err := json.Unmarshal([]byte(exec(c2, "/usr/bin/bootslot", "status")), &st); err != nil {
			t.Fatal(err)
		}
		good := false
		for _, s := range st.Slots {
			good = good || (s.Slot == "b" && s.State == "good")
		}
		if st.Booted == "b" && good {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bootslot status after the update: %+v", st)
		}
		time.Sleep(2 * time.Second)
	}
	// kept, and migrated by 0.2.0's migration
	if motd := exec(c2, "/usr/bin/apiclient", "get", "motd"); !strings.Contains(motd, "KEPT ACROSS THE UPDATE") {
		t.Fatalf("settings not kept and migrated: %s", motd)
	}

	// Automatic rollback: 0.3.0 goes to slot A with one try, never gets ready, init's
	// watchdog reboots, and systemd-boot falls back to B (0.2.0) by itself.
	m.ok(t, "repo", "add", repo, "dev", "0.3.0", "--keys", keys, "--image-dir", v3.Dir)
	failed = applyAndReboot(ctx, c2, "/usr/bin/updater", "apply", "-reboot")
	line := waitReadyOr(t, ctx, vm, regexp.MustCompile(`rebooting to fall back`), failed, "init's watchdog rolling 0.3.0 back")
	t.Logf("watchdog: %s", line)
	waitReady(vm, "0.2.0 after the rollback")
	c2.Close()
	c3, err := control.Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if osr := exec(c3, "/usr/bin/cat", "/usr/lib/os-release"); !strings.Contains(osr, "VERSION_ID=0.2.0\n") {
		t.Fatalf("after the rollback, os-release:\n%s", osr)
	}
	if err := json.Unmarshal([]byte(exec(c3, "/usr/bin/bootslot", "status")), &st); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, s := range st.Slots {
		states[s.Slot] = s.State
	}
	if st.Booted != "b" || states["b"] != "good" || states["a"] != "exhausted" {
		t.Fatalf("bootslot status after the rollback: %+v", st)
	}
	// 0.3.0 moved the datastore to 0.3.0; back on 0.2.0 the staged (empty) move is the
	// evidence that nothing changed, and the settings are 0.2.0's again
	if motd := exec(c3, "/usr/bin/apiclient", "get", "motd"); !strings.Contains(motd, "KEPT ACROSS THE UPDATE") {
		t.Fatalf("settings after the rollback: %s", motd)
	}
	inactiveEmpty := func(what string) {
		t.Helper()
		if err := json.Unmarshal([]byte(exec(c3, "/usr/bin/bootslot", "status")), &st); err != nil {
			t.Fatal(err)
		}
		for _, s := range st.Slots {
			if s.Slot == "a" && s.State != "none" {
				t.Fatalf("%s: slot a is %q, want none (cleared): %+v", what, s.State, st)
			}
		}
	}

	// Cancel through the API: apply in the background, cancel once root bytes are
	// written; the slot is cleared.
	exec(c3, "/usr/bin/apiclient", "update", "apply", "--no-wait")
	for deadline := time.Now().Add(5 * time.Minute); ; {
		var us struct {
			State    string
			Progress struct {
				Step    string
				Written int64
			}
		}
		if err := json.Unmarshal([]byte(exec(c3, "/usr/bin/apiclient", "update", "status")), &us); err != nil {
			t.Fatal(err)
		}
		if us.State == "applying" && us.Progress.Step == "root" && us.Progress.Written > 0 {
			break
		}
		if us.State != "applying" || time.Now().After(deadline) {
			t.Fatalf("waiting to cancel, status %+v", us)
		}
		time.Sleep(500 * time.Millisecond)
	}
	exec(c3, "/usr/bin/apiclient", "update", "cancel")
	for deadline := time.Now().Add(time.Minute); ; {
		var us struct{ State string }
		if err := json.Unmarshal([]byte(exec(c3, "/usr/bin/apiclient", "update", "status")), &us); err != nil {
			t.Fatal(err)
		}
		if us.State == "cancelled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after cancel, status %+v", us)
		}
		time.Sleep(500 * time.Millisecond)
	}
	inactiveEmpty("after cancel")

	// Attacks on the targets: the updater refuses each with a line that says why, and
	// leaves the slot cleared.
	applyRefused := func(what, want string) {
		t.Helper()
		r, err := c3.Exec(ctx, []string{"/usr/bin/updater", "apply"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Exit == 0 || !strings.Contains(r.Stderr, want) {
			t.Fatalf("%s: updater apply exit %d, want a refusal naming %q:\n%s%s", what, r.Exit, want, r.Stdout, tail(r.Stderr, 20))
		}
		t.Logf("%s refused: %s", what, lastLine(r.Stderr))
		inactiveEmpty(what)
	}
	rootTarget, err := filepath.Glob(filepath.Join(repo, "targets", "*.dev-x86_64-0.3.0-root.zst"))
	if err != nil || len(rootTarget) != 1 {
		t.Fatalf("0.3.0's root target: %v %v", rootTarget, err)
	}
	orig, err := os.ReadFile(rootTarget[0])
	if err != nil {
		t.Fatal(err)
	}
	// a valid zstd stream of other content, padded to the listed length
	if err := os.WriteFile(rootTarget[0], tamperedZstd(t, len(orig)), 0o644); err != nil {
		t.Fatal(err)
	}
	applyRefused("tampered target", "sha256 mismatch")
	// longer than listed (an endless-data attack)
	if err := os.WriteFile(rootTarget[0], append(append([]byte{}, orig...), make([]byte, 1<<20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	applyRefused("oversized target", "longer than its")
	if err := os.WriteFile(rootTarget[0], orig, 0o644); err != nil {
		t.Fatal(err)
	}

	// Attacks on the metadata: the updater refuses each with a line that says why.
	refused := func(what, want string) {
		t.Helper()
		r, err := c3.Exec(ctx, []string{"/usr/bin/updater", "check"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Exit == 0 || !strings.Contains(r.Stderr, want) {
			t.Fatalf("%s: updater check exit %d, want a refusal naming %q:\n%s%s", what, r.Exit, want, r.Stdout, r.Stderr)
		}
		t.Logf("%s refused: %s", what, strings.TrimSpace(r.Stderr))
	}
	ts := filepath.Join(repo, "metadata", "timestamp.json")
	good, err := os.ReadFile(ts)
	if err != nil {
		t.Fatal(err)
	}
	// an expired timestamp (signed properly, but a week old)
	m.ok(t, "repo", "refresh", repo, "--keys", keys, "--now", time.Now().Add(-30*24*time.Hour).UTC().Format(time.RFC3339))
	refused("expired timestamp", "expired")
	// a timestamp older than the one the host has seen (rollback)
	m.ok(t, "repo", "refresh", repo, "--keys", keys)
	exec(c3, "/usr/bin/updater", "check")
	if err := os.WriteFile(ts, good, 0o644); err != nil {
		t.Fatal(err)
	}
	refused("rolled-back timestamp", "rollback")
	// a timestamp whose signed part was changed after signing (no key vouches for it)
	m.ok(t, "repo", "refresh", repo, "--keys", keys)
	cur, err := os.ReadFile(ts)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(cur, &doc); err != nil {
		t.Fatal(err)
	}
	signed := doc["signed"].(map[string]any)
	signed["version"] = signed["version"].(float64) + 1
	forged, _ := json.Marshal(doc)
	if err := os.WriteFile(ts, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	refused("forged timestamp", "threshold")
	m.ok(t, "repo", "refresh", repo, "--keys", keys)
	exec(c3, "/usr/bin/updater", "check")

	// Downgrade: the repository's max_version goes back to 0.1.0, so the host, above
	// it, is steered down to 0.1.0 (into slot A), and 0.2.0's staged migration runs
	// backward.
	m.ok(t, "repo", "add", repo, "dev", "0.1.0", "--keys", keys, "--image-dir", v1.Dir, "--max-version", "0.1.0")
	var down struct {
		Update    *struct{ Version string } `json:"update"`
		Downgrade bool                      `json:"downgrade"`
	}
	if err := json.Unmarshal([]byte(exec(c3, "/usr/bin/updater", "check")), &down); err != nil || down.Update == nil || down.Update.Version != "0.1.0" || !down.Downgrade {
		t.Fatalf("updater check above max_version chose %+v (%v)", down, err)
	}
	failed = applyAndReboot(ctx, c3, "/usr/bin/updater", "apply", "-reboot")
	waitReadyOr(t, ctx, vm, ready, failed, "the downgrade to 0.1.0")
	c3.Close()
	c4, err := control.Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c4.Close()
	if osr := exec(c4, "/usr/bin/cat", "/usr/lib/os-release"); !strings.Contains(osr, "VERSION_ID=0.1.0\n") {
		t.Fatalf("after the downgrade, os-release:\n%s", osr)
	}
	if motd := exec(c4, "/usr/bin/apiclient", "get", "motd"); !strings.Contains(motd, "kept across the update") {
		t.Fatalf("settings after the downgrade (0.2.0's migration backward): %s", motd)
	}
	for deadline := time.Now().Add(time.Minute); ; {
		if err := json.Unmarshal([]byte(exec(c4, "/usr/bin/bootslot", "status")), &st); err != nil {
			t.Fatal(err)
		}
		good := false
		for _, s := range st.Slots {
			good = good || (s.Slot == "a" && s.State == "good")
		}
		if st.Booted == "a" && good {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bootslot status after the downgrade: %+v", st)
		}
		time.Sleep(2 * time.Second)
	}
}

// tamperedZstd is a valid zstd stream of n bytes whose content is not the image's: a
// short frame, then a skippable frame as padding.
func tamperedZstd(t *testing.T, n int) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := enc.EncodeAll([]byte("not the image that was signed\n"), nil)
	pad := n - len(b) - 8
	if pad < 0 {
		t.Fatalf("target of %d bytes is too small to tamper with", n)
	}
	b = binary.LittleEndian.AppendUint32(b, 0x184D2A50)
	b = binary.LittleEndian.AppendUint32(b, uint32(pad))
	return append(b, make([]byte, pad)...)
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}

// syncWriter collects a serial log from QEMU's reader goroutine.
type syncWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// applyAndReboot runs argv (an apply that reboots) in the guest. The request never
// answers when it works (the guest reboots under it); the channel gets its result when
// the apply fails.
func applyAndReboot(ctx context.Context, c *control.Client, argv ...string) <-chan control.Result {
	failed := make(chan control.Result, 1)
	go func() {
		r, err := c.Exec(ctx, argv, "")
		if err == nil && r.Exit != 0 {
			failed <- r
		}
	}()
	return failed
}

// waitReadyOr waits for a console line matching re, failing at once with the updater's
// output when it failed.
func waitReadyOr(t *testing.T, ctx context.Context, vm *qemu.Machine, re *regexp.Regexp, failed <-chan control.Result, what string) string {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var res *control.Result
	go func() {
		select {
		case r := <-failed:
			res = &r
			cancel()
		case <-wctx.Done():
		}
	}()
	line, _, err := vm.WaitFor(wctx, re)
	if err != nil || (re.String() == "KITBASH-READY|KITBASH-BOOT-FAILED" && !strings.Contains(line, "KITBASH-READY")) {
		if res != nil {
			t.Fatalf("%s: the updater failed (exit %d):\n%s%s", what, res.Exit, res.Stdout, tail(res.Stderr, 20))
		}
		t.Fatalf("%s: %v %s", what, err, line)
	}
	return line
}
