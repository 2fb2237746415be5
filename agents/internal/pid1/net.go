package pid1

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// NetConfig is how the first NIC is configured, from the kernel command line's
// ip= parameter (the kernel's nfsroot syntax):
//
//	ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>
//	ip=dhcp | ip=off
//
// e.g. ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off (QEMU user networking).
// Without ip=, or with ip=dhcp, the NIC gets its address, netmask, default route
// and DNS servers by DHCP (see DHCP).
type NetConfig struct {
	Off      bool // ip=off/none: leave the NIC alone
	DHCP     bool
	Device   string // "" for the first NIC
	Address  net.IP
	Mask     net.IPMask
	Gateway  net.IP
	Hostname string
}

// ParseIPParam reads the ip= parameter from a kernel command line.
func ParseIPParam(cmdline string) (NetConfig, error) {
	val, found := "", false
	for _, f := range strings.Fields(cmdline) {
		if f == "--" {
			break // the rest is for init's arguments
		}
		if v, ok := strings.CutPrefix(f, "ip="); ok {
			val, found = v, true
		}
	}
	switch val {
	case "off", "none":
		return NetConfig{Off: true}, nil
	case "", "dhcp", "on", "any", "both":
		if found && val == "" {
			return NetConfig{}, fmt.Errorf("kernel command line: ip= is empty")
		}
		return NetConfig{DHCP: true}, nil
	}
	f := strings.Split(val, ":")
	for len(f) < 7 {
		f = append(f, "")
	}
	c := NetConfig{Hostname: f[4], Device: f[5]}
	switch f[6] {
	case "", "off", "none":
	case "dhcp", "on", "any", "both":
		c.DHCP = true
		return c, nil
	default:
		return c, fmt.Errorf("kernel command line: ip=%s: autoconf %q is not off or dhcp", val, f[6])
	}
	if c.Address = net.ParseIP(f[0]).To4(); c.Address == nil {
		return c, fmt.Errorf("kernel command line: ip=%s: %q is not an IPv4 address", val, f[0])
	}
	if f[2] != "" {
		if c.Gateway = net.ParseIP(f[2]).To4(); c.Gateway == nil {
			return c, fmt.Errorf("kernel command line: ip=%s: gateway %q is not an IPv4 address", val, f[2])
		}
	}
	c.Mask = c.Address.DefaultMask()
	if f[3] != "" {
		m := net.ParseIP(f[3]).To4()
		if m == nil {
			return c, fmt.Errorf("kernel command line: ip=%s: netmask %q is not an IPv4 netmask", val, f[3])
		}
		c.Mask = net.IPMask(m)
	}
	return c, nil
}

// FirstNIC returns the ethernet interface with the lowest index that is a device
// (has /sys/class/net/<name>/device), or "" if there is none. sys is where sysfs is.
func FirstNIC(sys string) (string, error) {
	dir := filepath.Join(sys, "class/net")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("list network interfaces: %w", err)
	}
	type nic struct {
		name  string
		index int
	}
	var nics []nic
	for _, e := range ents {
		base := filepath.Join(dir, e.Name())
		typ, _ := os.ReadFile(filepath.Join(base, "type"))
		if strings.TrimSpace(string(typ)) != "1" { // ARPHRD_ETHER
			continue
		}
		if _, err := os.Stat(filepath.Join(base, "device")); err != nil {
			continue
		}
		idx, _ := os.ReadFile(filepath.Join(base, "ifindex"))
		n, _ := strconv.Atoi(strings.TrimSpace(string(idx)))
		nics = append(nics, nic{e.Name(), n})
	}
	if len(nics) == 0 {
		return "", nil
	}
	slices.SortFunc(nics, func(a, b nic) int { return a.index - b.index })
	return nics[0].name, nil
}

// ifreq is struct ifreq: a name and a 24-byte union.
type ifreq [40]byte

func newIfreq(name string) (*ifreq, error) {
	var r ifreq
	if name == "" || len(name) >= 16 {
		return nil, fmt.Errorf("bad interface name %q", name)
	}
	copy(r[:16], name)
	return &r, nil
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

func inetSocket() (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	return fd, nil
}

// LinkUp sets IFF_UP on the interface (SIOCSIFFLAGS). The kernel gives lo 127.0.0.1/8
// when it comes up.
func LinkUp(name string) error {
	r, err := newIfreq(name)
	if err != nil {
		return err
	}
	fd, err := inetSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := ioctl(fd, syscall.SIOCGIFFLAGS, unsafe.Pointer(r)); err != nil {
		return fmt.Errorf("%s: get flags: %w", name, err)
	}
	flags := binary.NativeEndian.Uint16(r[16:])
	binary.NativeEndian.PutUint16(r[16:], flags|syscall.IFF_UP)
	if err := ioctl(fd, syscall.SIOCSIFFLAGS, unsafe.Pointer(r)); err != nil {
		return fmt.Errorf("%s: set flags: %w", name, err)
	}
	return nil
}

// putSockaddrIn writes a struct sockaddr_in for ip at b.
func putSockaddrIn(b []byte, ip net.IP) {
	binary.NativeEndian.PutUint16(b[0:], syscall.AF_INET)
	copy(b[4:8], ip.To4())
}

// Configure gives the interface c's address and netmask and, if c has one, a default
// route through the gateway (ioctls SIOCSIFADDR, SIOCSIFNETMASK, SIOCADDRT).
func Configure(name string, c NetConfig) error {
	fd, err := inetSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	for _, step := range []struct {
		req  uintptr
		what string
		ip   net.IP
	}{{syscall.SIOCSIFADDR, "address", c.Address}, {syscall.SIOCSIFNETMASK, "netmask", net.IP(c.Mask)}} {
		r, err := newIfreq(name)
		if err != nil {
			return err
		}
		putSockaddrIn(r[16:], step.ip)
		if err := ioctl(fd, step.req, unsafe.Pointer(r)); err != nil {
			return fmt.Errorf("%s: set %s %v: %w", name, step.what, step.ip, err)
		}
	}
	if c.Gateway == nil {
		return nil
	}
	// struct rtentry (64-bit): pad1 8, dst 16 @8, gateway 16 @24, genmask 16 @40,
	// flags u16 @56, ..., metric @80, dev ptr @88, ...; 120 bytes. dst and genmask
	// 0.0.0.0 make the default route; dev NULL lets the kernel pick the interface.
	var rt [120]byte
	putSockaddrIn(rt[8:], net.IPv4zero)
	putSockaddrIn(rt[24:], c.Gateway)
	putSockaddrIn(rt[40:], net.IPv4zero)
	binary.NativeEndian.PutUint16(rt[56:], syscall.RTF_UP|syscall.RTF_GATEWAY)
	if err := ioctl(fd, syscall.SIOCADDRT, unsafe.Pointer(&rt)); err != nil && err != syscall.EEXIST {
		return fmt.Errorf("default route via %v: %w", c.Gateway, err)
	}
	return nil
}
