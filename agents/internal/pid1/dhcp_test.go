package pid1

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseDHCP(t *testing.T) {
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	req := dhcpPacket(42, mac, dhcpRequest, net.IPv4(10, 0, 2, 15), net.IPv4(10, 0, 2, 2))
	if typ, _, ok := parseDHCP(req, 42); ok {
		t.Fatalf("a BOOTREQUEST parsed as a reply (type %d)", typ)
	}
	reply := fakeReply(req, dhcpAck)
	typ, l, ok := parseDHCP(reply, 42)
	if !ok || typ != dhcpAck {
		t.Fatalf("reply: %d %v", typ, ok)
	}
	if l.Address.String() != "10.9.0.50" || net.IP(l.Mask).String() != "255.255.255.0" || l.Router.String() != "10.9.0.1" ||
		len(l.DNS) != 2 || l.DNS[1].String() != "8.8.8.8" || l.Duration != time.Hour || l.Server.String() != "10.9.0.1" {
		t.Fatalf("lease %+v", l)
	}
	if _, _, ok := parseDHCP(reply, 43); ok {
		t.Fatal("wrong xid accepted")
	}
	if _, _, ok := parseDHCP(reply[:len(reply)-3], 42); ok {
		t.Fatal("truncated option accepted")
	}
}

// fakeReply is a server's answer of type typ to a client's packet.
func fakeReply(req []byte, typ byte) []byte {
	p := make([]byte, 240)
	copy(p, req[:240])
	p[0] = 2
	copy(p[16:20], net.IPv4(10, 9, 0, 50).To4())
	p = append(p, 53, 1, typ, 0, 1, 4, 255, 255, 255, 0, 3, 4, 10, 9, 0, 1, 6, 8, 10, 9, 0, 1, 8, 8, 8, 8,
		51, 4, 0, 0, 0x0e, 0x10, 54, 4, 10, 9, 0, 1, 255)
	return p
}

// TestDHCPInNamespace gets a lease over a veth pair between two new network
// namespaces: the client's (the test binary runs itself there) and a small server's
// (it runs itself once more). The server NAKs the first REQUEST, so the client starts
// over once. Two namespaces, because in one the kernel would take the server's address
// as the client's source and drop the packets as martians.
func TestDHCPInNamespace(t *testing.T) {
	switch os.Getenv("PID1_DHCP_HELPER") {
	case "client":
		dhcpClient(t)
		return
	case "server":
		dhcpServer(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8)")
	}
	out, err := selfInNetns("client").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("client: %v\n%s", err, out)
	}
}

// selfInNetns runs this test again in a new network namespace, as role.
func selfInNetns(role string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestDHCPInNamespace$", "-test.v")
	cmd.Env = append(os.Environ(), "PID1_DHCP_HELPER="+role)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	return cmd
}

func ipCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func dhcpClient(t *testing.T) {
	srv := selfInNetns("server")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Wait()
	defer srv.Process.Kill() // its namespace, and with it the veth pair, goes away
	ipCmd(t, "link", "add", "eth9", "type", "veth", "peer", "name", "eth8", "netns", fmt.Sprint(srv.Process.Pid))
	if err := LinkUp("eth9"); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var srvOut []string
	for lines.Scan() && lines.Text() != "SERVING" {
		srvOut = append(srvOut, lines.Text())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lease, err := DHCP(ctx, "eth9")
	if err != nil {
		t.Fatalf("%v; server:\n%s", err, strings.Join(srvOut, "\n"))
	}
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "SEEN") {
		srvOut = append(srvOut, lines.Text())
	}
	if lines.Text() != "SEEN [1 3 1 3]" {
		t.Fatalf("server saw %q\n%s", lines.Text(), strings.Join(srvOut, "\n"))
	}
	if lease.Address.String() != "10.9.0.50" || lease.Router.String() != "10.9.0.1" {
		t.Fatalf("lease %+v", lease)
	}
	if err := Configure("eth9", NetConfig{Address: lease.Address, Mask: lease.Mask, Gateway: lease.Router}); err != nil {
		t.Fatal(err)
	}
	if out := ipCmd(t, "-4", "addr", "show", "eth9"); !strings.Contains(out, "inet 10.9.0.50/24") {
		t.Fatalf("eth9:\n%s", out)
	}
	if out := ipCmd(t, "-4", "route"); !strings.Contains(out, "default via 10.9.0.1 dev eth9") {
		t.Fatalf("routes:\n%s", out)
	}
	resolv := filepath.Join(t.TempDir(), "run/kitbash/resolv.conf")
	if err := WriteResolvConf(resolv, lease); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(resolv); string(b) != "nameserver 10.9.0.1\nnameserver 8.8.8.8\n" {
		t.Fatalf("resolv.conf %q", b)
	}
	// No server any more: the context ends the wait.
	short, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if _, err := DHCP(short, "eth9"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("without a server: %v", err)
	}
}

// dhcpServer waits for eth8, answers DISCOVER, NAKs the first REQUEST, ACKs the
// second, prints the message types it saw and stays (answering nothing) until killed.
func dhcpServer(t *testing.T) {
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := net.InterfaceByName("eth8"); err == nil {
			break
		}
		if time.Now().After(end) {
			t.Fatal("eth8 never appeared")
		}
	}
	ipCmd(t, "addr", "add", "10.9.0.1/24", "dev", "eth8")
	ipCmd(t, "link", "set", "eth8", "up")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := (&net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) {
			syscall.SetsockoptString(int(fd), syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, "eth8")
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
		})
	}}).ListenPacket(ctx, "udp4", "0.0.0.0:67")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetReadDeadline(time.Now().Add(20 * time.Second))
	fmt.Println("SERVING")
	var seen []byte
	buf := make([]byte, 1500)
	for naked := false; ; {
		n, _, err := srv.ReadFrom(buf)
		if err != nil {
			t.Fatalf("read: %v; seen %v", err, seen)
		}
		p := buf[:n]
		if n < 243 || p[0] != 1 || binary.BigEndian.Uint32(p[236:]) != dhcpCookie || p[240] != 53 {
			continue
		}
		typ := p[242]
		seen = append(seen, typ)
		var reply []byte
		switch {
		case typ == dhcpDiscover:
			reply = fakeReply(p, dhcpOffer)
		case typ == dhcpRequest && !naked:
			naked = true
			reply = fakeReply(p, dhcpNak)
		case typ == dhcpRequest:
			reply = fakeReply(p, dhcpAck)
		default:
			continue
		}
		if _, err := srv.WriteTo(reply, &net.UDPAddr{IP: net.IPv4bcast, Port: 68}); err != nil {
			t.Fatal(err)
		}
		if reply[242] == dhcpAck {
			fmt.Printf("SEEN %v\n", seen)
			srv.Close()
			time.Sleep(time.Minute) // keep the namespace until the client kills us
			return
		}
	}
}
