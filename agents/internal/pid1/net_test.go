package pid1

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestNetworkInNamespace brings up lo and configures one end of a veth pair in a new
// network namespace (the test binary runs itself there), checking with ip(8).
func TestNetworkInNamespace(t *testing.T) {
	if os.Getenv("PID1_NET_HELPER") == "1" {
		netHelper(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNetworkInNamespace$", "-test.v")
	cmd.Env = append(os.Environ(), "PID1_NET_HELPER=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("helper: %v\n%s", err, out)
	}
}

func netHelper(t *testing.T) {
	ip := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if err := LinkUp("lo"); err != nil {
		t.Fatal(err)
	}
	if out := ip("-4", "addr", "show", "lo"); !strings.Contains(out, "inet 127.0.0.1/8") || !strings.Contains(out, "UP") {
		t.Fatalf("lo after LinkUp:\n%s", out)
	}
	ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth8")
	ip("link", "set", "eth8", "up")
	c, err := ParseIPParam("ip=10.9.0.2::10.9.0.1:255.255.255.0::eth9:off")
	if err != nil {
		t.Fatal(err)
	}
	if err := LinkUp(c.Device); err != nil {
		t.Fatal(err)
	}
	if err := Configure(c.Device, c); err != nil {
		t.Fatal(err)
	}
	if out := ip("-4", "addr", "show", "eth9"); !strings.Contains(out, "inet 10.9.0.2/24") {
		t.Fatalf("eth9:\n%s", out)
	}
	if out := ip("-4", "route"); !strings.Contains(out, "default via 10.9.0.1 dev eth9") {
		t.Fatalf("routes:\n%s", out)
	}
	if err := LinkUp("nosuch0"); err == nil || !strings.Contains(err.Error(), "nosuch0: get flags") {
		t.Fatalf("LinkUp(nosuch0) = %v", err)
	}
	if err := Configure("eth9", NetConfig{Address: net.IPv4(10, 9, 0, 3), Mask: net.IPv4Mask(255, 255, 255, 0)}); err != nil {
		t.Fatalf("reconfigure without gateway: %v", err)
	}
}
