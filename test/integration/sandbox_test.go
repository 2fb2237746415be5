//go:build integration

package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// listen accepts connections on 127.0.0.1 and counts them.
func listen(t *testing.T) (port int, accepted *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	accepted = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, accepted
}

func TestBuildStepHasNoNetwork(t *testing.T) {
	needSDK(t)
	port, accepted := listen(t)
	// A unique marker defeats the BuildKit cache between runs of this test.
	probe := fmt.Sprintf("echo %d >/dev/null; cat /proc/net/dev; if exec 3<>/dev/tcp/127.0.0.1/%d; then echo CONNECTED; else echo REFUSED; fi", time.Now().UnixNano(), port)

	r := ok(t, "sdk", "run", "--", "bash", "-c", probe)
	if !strings.Contains(r.stdout, "REFUSED") || strings.Contains(r.stdout, "CONNECTED") {
		t.Fatalf("a build step reached the host's 127.0.0.1:%d:\n%s", port, r.stdout)
	}
	var ifaces []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if name, _, found := strings.Cut(line, ":"); found && !strings.Contains(name, "|") {
			ifaces = append(ifaces, strings.TrimSpace(name))
		}
	}
	if len(ifaces) != 1 || ifaces[0] != "lo" {
		t.Fatalf("a build step must see only lo, saw %v", ifaces)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the host listener accepted %d connections from a network-none step", n)
	}

	// Control: the same probe with the network opted in does connect, so the check above
	// can tell the difference.
	r = ok(t, "sdk", "run", "--network", "--", "bash", "-c", probe)
	if !strings.Contains(r.stdout, "CONNECTED") {
		t.Fatalf("with --network the probe should connect (control), got:\n%s", r.stdout)
	}
}

func TestBuildStepSeesNoHostPaths(t *testing.T) {
	needSDK(t)
	marker := t.TempDir()
	if err := os.WriteFile(filepath.Join(marker, "secret"), []byte("host"), 0o600); err != nil {
		t.Fatal(err)
	}
	userCache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`for p in %q %q %q %q; do if [ -e "$p" ]; then echo "VISIBLE $p"; fi; done
echo MOUNTS; cat /proc/self/mountinfo`, marker, h.project, h.state, userCache)
	r := ok(t, "sdk", "run", "--", "sh", "-c", script)
	before, mounts, found := strings.Cut(r.stdout, "MOUNTS\n")
	if !found {
		t.Fatalf("probe did not run to the end:\n%s", r.stdout)
	}
	if strings.Contains(before, "VISIBLE") {
		t.Fatalf("a build step sees host paths:\n%s", before)
	}
	if strings.Contains(mounts, marker) || strings.Contains(mounts, h.project) {
		t.Fatalf("a host directory is mounted into the build step:\n%s", mounts)
	}
	// Every mount of a real filesystem whose root is a sub-path (a bind mount) must come
	// from the engine's own storage (its resolv.conf, hosts and snapshots): no host
	// directory or socket. Pseudo filesystems (proc, sysfs, cgroup, ...) are the kernel's.
	engineRoot := filepath.Join(h.state, "buildkitd", "root") + "/"
	pseudo := map[string]bool{"proc": true, "sysfs": true, "cgroup": true, "cgroup2": true, "tmpfs": true, "devpts": true, "mqueue": true, "overlay": true}
	binds := 0
	for _, line := range strings.Split(strings.TrimSpace(mounts), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		fields, after := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(after) < 1 {
			t.Fatalf("unreadable mountinfo line %q", line)
		}
		if root := fields[3]; !pseudo[after[0]] && root != "/" {
			binds++
			if !strings.HasPrefix(root, engineRoot) {
				t.Errorf("mount %s comes from host path %s (%s)", fields[4], root, after[0])
			}
		}
	}
	if binds == 0 {
		t.Fatalf("no bind mounts seen; the check would not notice one:\n%s", mounts)
	}
}

func TestBuildStepEnvironmentIsExactlyTheDefinition(t *testing.T) {
	needSDK(t)
	r := ok(t, "sdk", "run", "--", "sh", "-c", "env | cut -d= -f1 | sort | tr '\\n' ' '")
	want := "GOROOT GOTOOLCHAIN HOME LANG LC_ALL PATH PWD SOURCE_DATE_EPOCH TZ "
	if r.stdout != want {
		t.Fatalf("step environment names:\n got %q\nwant %q", r.stdout, want)
	}
	r = ok(t, "sdk", "run", "--", "sh", "-c", "echo $SOURCE_DATE_EPOCH; test ! -e /dev/otel-grpc.sock && echo no-trace-socket")
	if r.stdout != epoch+"\nno-trace-socket\n" {
		t.Fatalf("got %q", r.stdout)
	}
}

func TestCachedStepIsServedFromCache(t *testing.T) {
	needSDK(t)
	args := []string{"--progress", "rawjson", "sdk", "run", "--", "echo", "cache-check"}
	ok(t, args...)
	r := ok(t, args...)
	if r.stdout != "cache-check\n" {
		t.Fatalf("cached run printed %q", r.stdout)
	}
	execs, cached := 0, 0
	sc := bufio.NewScanner(strings.NewReader(r.stderr))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var st struct {
			Vertexes []struct {
				Name   string `json:"name"`
				Cached bool   `json:"cached"`
			} `json:"vertexes"`
		}
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			if strings.HasPrefix(v.Name, "sdk run:") {
				execs++
				if v.Cached {
					cached++
				}
			}
		}
	}
	if execs == 0 || cached == 0 {
		t.Fatalf("second identical run: %d step updates, %d cached; want the step served from cache\n%s", execs, cached, lastLines(r.stderr, 10))
	}
}
