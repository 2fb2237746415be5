package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/pid1"
)

// TestPID1InNamespaces boots the init binary as PID 1 of fresh PID, mount, UTS and
// network namespaces with three services, then checks the ready line, a restart by
// policy, a restart through the control API, and a clean shutdown on SIGTERM.
func TestPID1InNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for namespaces and mounts")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "init")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := filepath.Join(tmp, "root")
	svcDir := filepath.Join(tmp, "services")
	events := filepath.Join(tmp, "events")
	sock := filepath.Join(tmp, "init.sock")
	for _, d := range []string{filepath.Join(root, "etc"), svcDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "etc/hostname"), "kitbash-ns-test\n")
	// Each service logs "start NAME" and, on SIGTERM, "stop NAME", and is ready once it
	// logged its start (a ready file). c fails its first run.
	daemon := func(name, before, after string) {
		script := filepath.Join(tmp, name+".sh")
		write(script, fmt.Sprintf(`trap 'echo stop %[1]s >> %[2]s; exit 0' TERM
%[3]s
echo start %[1]s >> %[2]s
%[4]s
while :; do sleep 0.05; done
`, name, events, before, after))
	}
	daemon("a", "", "touch "+filepath.Join(tmp, "a.ready"))
	daemon("b", "", "sleep 0.2; touch "+filepath.Join(tmp, "b.ready"))
	daemon("c", fmt.Sprintf(`if [ ! -e %[1]s ]; then touch %[1]s; echo crash c >> %[2]s; echo c crashes once >&2; exit 1; fi`,
		filepath.Join(tmp, "c.crashed"), events), "touch "+filepath.Join(tmp, "c.ready"))
	write(filepath.Join(svcDir, "a.json"), fmt.Sprintf(`{"command": ["/bin/sh", "%s/a.sh"], "required": true,
		"ready": {"kind": "file", "path": "%s/a.ready"}}`, tmp, tmp))
	write(filepath.Join(svcDir, "b.json"), fmt.Sprintf(`{"command": ["/bin/sh", "%s/b.sh"], "after": ["a"], "required": true,
		"ready": {"kind": "file", "path": "%s/b.ready"}}`, tmp, tmp))
	write(filepath.Join(svcDir, "c.json"), fmt.Sprintf(`{"command": ["/bin/sh", "%s/c.sh"], "requires": ["b"], "required": true,
		"restart": "on-failure", "restartDelayMs": 50, "ready": {"kind": "file", "path": "%s/c.ready"}}`, tmp, tmp))

	cmd := exec.Command(bin, "-services", svcDir, "-socket", sock, "-root", root, "-stop-timeout", "5s")
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "KITBASH_INIT_TEST=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:   syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS | syscall.CLONE_NEWNET,
		Unshareflags: syscall.CLONE_NEWNS, // Go makes the new mount tree private (MS_REC|MS_PRIVATE)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()
	var console []string
	waitLine := func(re *regexp.Regexp) string {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("init's output ended before a line matching %s; console:\n%s", re, strings.Join(console, "\n"))
				}
				console = append(console, l)
				if re.MatchString(l) {
					return l
				}
			case <-timeout:
				t.Fatalf("no line matching %s; console:\n%s", re, strings.Join(console, "\n"))
			}
		}
	}
	readyRE := regexp.MustCompile(`^KITBASH-READY \{"services":3,"bootMs":[0-9]+\}$`)
	waitLine(readyRE)
	for _, want := range []string{"init: starting (pid 1)", "init: hostname kitbash-ns-test (from " + root + "/etc/hostname)",
		"init: network: lo up", "init: mounted proc on " + root + "/proc", "[c] c crashes once",
		"init: service c: exited (exit status 1); restarting in 50ms"} {
		if !contains(console, want) {
			t.Errorf("console lacks %q:\n%s", want, strings.Join(console, "\n"))
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := pid1.NewClient(sock)
	st, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Ready || len(st.Services) != 3 {
		t.Fatalf("services: %+v", st)
	}
	for _, s := range st.Services {
		if s.State != "ready" || (s.Name == "c") != (s.Restarts == 1) {
			t.Errorf("service %+v", s)
		}
	}
	if err := c.Restart(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `no such service: "nope"`) {
		t.Errorf("restart nope: %v", err)
	}
	for {
		st, err := c.Services(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b := st.Services[1]; b.Name == "b" && b.State == "ready" && b.Restarts == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	log, err := c.Log(ctx)
	if err != nil || !strings.Contains(log, "init: service b: stopped (exit status 0) for restart") {
		t.Errorf("log (%v):\n%s", err, log)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLine(regexp.MustCompile(`^init: poweroff$`))
	for range lines {
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("init exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("init did not exit after SIGTERM")
	}
	t.Logf("console:\n%s", strings.Join(console, "\n"))
	if n := count(console, readyRE); n != 1 {
		t.Errorf("ready line printed %d times", n)
	}
	b, _ := os.ReadFile(events)
	got := strings.Join(strings.Split(strings.TrimSpace(string(b)), "\n"), ", ")
	want := "start a, start b, crash c, start c, stop b, start b, stop c, stop b, stop a"
	if got != want {
		t.Fatalf("events:\n got %s\nwant %s", got, want)
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func count(lines []string, re *regexp.Regexp) int {
	n := 0
	for _, l := range lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}
