package pid1

import (
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMountAllSkipsMounted(t *testing.T) {
	var logged []string
	logf := func(f string, a ...any) { logged = append(logged, f) }
	// "/" is always mounted: nothing is attempted, so this runs unprivileged too.
	if err := MountAll("/", []Mount{{"proc", "/", "proc", 0, ""}}, logf); err != nil {
		t.Fatal(err)
	}
	if len(logged) != 1 || logged[0] != "%s already mounted" {
		t.Fatalf("log %q", logged)
	}
}

func TestHostname(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/kitbash"), 0o755)
	files := DefaultHostnameFiles()
	if h, from, err := Hostname(root, files); err != nil || h != DefaultHostname || from != "" {
		t.Fatalf("no files: %q %q %v", h, from, err)
	}
	os.WriteFile(filepath.Join(root, "etc/hostname"), []byte("image-host\n# comment\n"), 0o644)
	if h, _, err := Hostname(root, files); err != nil || h != "image-host" {
		t.Fatalf("etc/hostname: %q %v", h, err)
	}
	os.WriteFile(filepath.Join(root, "etc/kitbash/hostname"), []byte(" from-settings \n"), 0o644)
	if h, from, err := Hostname(root, files); err != nil || h != "from-settings" || from != filepath.Join(root, "etc/kitbash/hostname") {
		t.Fatalf("settings file: %q %q %v", h, from, err)
	}
	os.WriteFile(filepath.Join(root, "etc/kitbash/hostname"), []byte("bad name!\n"), 0o644)
	if _, _, err := Hostname(root, files); err == nil || !strings.Contains(err.Error(), `"bad name!" is not a hostname`) {
		t.Fatalf("bad name: %v", err)
	}
}

func TestParseIPParam(t *testing.T) {
	for _, tc := range []struct {
		cmdline string
		want    NetConfig
		err     string
	}{
		{"console=ttyS0 quiet", NetConfig{DHCP: true}, ""},
		{"ip=dhcp", NetConfig{DHCP: true}, ""},
		{"ip=off", NetConfig{Off: true}, ""},
		{"ip=10.0.2.15::10.0.2.2:255.255.255.0:box:eth0:off", NetConfig{Device: "eth0", Hostname: "box",
			Address: net.IPv4(10, 0, 2, 15).To4(), Mask: net.IPv4Mask(255, 255, 255, 0), Gateway: net.IPv4(10, 0, 2, 2).To4()}, ""},
		{"ip=192.168.1.5", NetConfig{Address: net.IPv4(192, 168, 1, 5).To4(), Mask: net.IPv4Mask(255, 255, 255, 0)}, ""},
		{"ip=:::::eth1:dhcp", NetConfig{Device: "eth1", DHCP: true}, ""},
		{"quiet -- ip=off", NetConfig{DHCP: true}, ""},
		{"ip=10.0.2.x", NetConfig{}, `"10.0.2.x" is not an IPv4 address`},
		{"ip=10.0.2.15::gw", NetConfig{}, `gateway "gw" is not an IPv4 address`},
		{"ip=10.0.2.15::::::rarp", NetConfig{}, `autoconf "rarp" is not off or dhcp`},
	} {
		got, err := ParseIPParam(tc.cmdline)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.cmdline, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, %v; want %+v", tc.cmdline, got, err, tc.want)
		}
	}
}

func TestFirstNIC(t *testing.T) {
	sys := t.TempDir()
	nic := func(name, typ, index string, device bool) {
		d := filepath.Join(sys, "class/net", name)
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "type"), []byte(typ+"\n"), 0o644)
		os.WriteFile(filepath.Join(d, "ifindex"), []byte(index+"\n"), 0o644)
		if device {
			os.Mkdir(filepath.Join(d, "device"), 0o755)
		}
	}
	if n, err := FirstNIC(sys); err == nil || n != "" {
		t.Fatalf("no class/net: %q %v", n, err)
	}
	nic("lo", "772", "1", false)
	nic("docker0", "1", "2", false) // a bridge: no device
	if n, err := FirstNIC(sys); err != nil || n != "" {
		t.Fatalf("no NIC: %q %v", n, err)
	}
	nic("ens5", "1", "4", true)
	nic("eth0", "1", "3", true)
	if n, err := FirstNIC(sys); err != nil || n != "eth0" {
		t.Fatalf("got %q %v, want eth0 (lowest index)", n, err)
	}
}

func TestReadyLine(t *testing.T) {
	if got := ReadyLine(3, 1234); got != `KITBASH-READY {"services":3,"bootMs":1234}` {
		t.Fatalf("got %s", got)
	}
}
