package pid1

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Lease is what a DHCP server gave.
type Lease struct {
	Address  net.IP
	Mask     net.IPMask
	Router   net.IP // nil without option 3
	DNS      []net.IP
	Server   net.IP
	Duration time.Duration
}

// DHCP message types (option 53).
const (
	dhcpDiscover = 1
	dhcpOffer    = 2
	dhcpRequest  = 3
	dhcpAck      = 5
	dhcpNak      = 6
)

// dhcpCookie is the magic cookie that starts the options (RFC 2131 3).
const dhcpCookie = 0x63825363

// DHCP gets a lease for the interface dev (already up) with a DISCOVER, OFFER,
// REQUEST, ACK exchange on UDP port 68 bound to dev, replies asked to be broadcast.
// Each message is retried with a doubling timeout (1 s, 2 s, 4 s) until ctx is done.
//
// TODO(dhcp): no renewal yet: the address stays configured after the lease time.
func DHCP(ctx context.Context, dev string) (Lease, error) {
	ifc, err := net.InterfaceByName(dev)
	if err != nil {
		return Lease{}, fmt.Errorf("dhcp on %s: %w", dev, err)
	}
	mac := ifc.HardwareAddr
	if len(mac) != 6 {
		return Lease{}, fmt.Errorf("dhcp on %s: no ethernet address", dev)
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = errors.Join(
				syscall.SetsockoptString(int(fd), syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, dev),
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1),
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1))
		})
		return errors.Join(err, serr)
	}}
	pc, err := lc.ListenPacket(ctx, "udp4", "0.0.0.0:68")
	if err != nil {
		return Lease{}, fmt.Errorf("dhcp on %s: %w", dev, err)
	}
	defer pc.Close()
	var xid [4]byte
	if _, err := rand.Read(xid[:]); err != nil {
		return Lease{}, fmt.Errorf("dhcp: %w", err)
	}
	x := binary.BigEndian.Uint32(xid[:])
	for ctx.Err() == nil {
		offer, err := dhcpExchange(ctx, pc, dhcpPacket(x, mac, dhcpDiscover, nil, nil), x, dhcpOffer)
		if err != nil {
			return Lease{}, fmt.Errorf("dhcp on %s: discover: %w", dev, err)
		}
		ack, err := dhcpExchange(ctx, pc, dhcpPacket(x, mac, dhcpRequest, offer.Address, offer.Server), x, dhcpAck)
		if errors.Is(err, errNak) {
			continue // start over
		}
		if err != nil {
			return Lease{}, fmt.Errorf("dhcp on %s: request: %w", dev, err)
		}
		return ack, nil
	}
	return Lease{}, fmt.Errorf("dhcp on %s: %w", dev, ctx.Err())
}

var errNak = errors.New("DHCPNAK")

// dhcpExchange broadcasts pkt until a reply of type want with xid arrives.
func dhcpExchange(ctx context.Context, pc net.PacketConn, pkt []byte, xid uint32, want byte) (Lease, error) {
	dst := &net.UDPAddr{IP: net.IPv4bcast, Port: 67}
	buf := make([]byte, 1500)
	for wait := time.Second; ; wait = min(2*wait, 4*time.Second) {
		if _, err := pc.WriteTo(pkt, dst); err != nil {
			return Lease{}, err
		}
		deadline := time.Now().Add(wait)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		_ = pc.SetReadDeadline(deadline)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				if ctx.Err() != nil {
					return Lease{}, ctx.Err()
				}
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break // send again
				}
				return Lease{}, err
			}
			typ, l, ok := parseDHCP(buf[:n], xid)
			switch {
			case !ok:
			case typ == dhcpNak && want == dhcpAck:
				return Lease{}, errNak
			case typ == want:
				return l, nil
			}
		}
	}
}

// dhcpPacket builds a BOOTREQUEST with the broadcast flag; for a REQUEST, it asks for
// addr from server.
func dhcpPacket(xid uint32, mac net.HardwareAddr, typ byte, addr, server net.IP) []byte {
	p := make([]byte, 240, 300)
	p[0], p[1], p[2] = 1, 1, 6 // BOOTREQUEST, ethernet, hlen
	binary.BigEndian.PutUint32(p[4:], xid)
	binary.BigEndian.PutUint16(p[10:], 0x8000) // broadcast replies: we have no address
	copy(p[28:], mac)
	binary.BigEndian.PutUint32(p[236:], dhcpCookie)
	p = append(p, 53, 1, typ)
	if addr != nil {
		p = append(p, 50, 4)
		p = append(p, addr.To4()...)
	}
	if server != nil {
		p = append(p, 54, 4)
		p = append(p, server.To4()...)
	}
	p = append(p, 55, 5, 1, 3, 6, 51, 54) // mask, router, DNS, lease time, server id
	return append(p, 255)
}

// parseDHCP reads a BOOTREPLY for xid: its message type and the lease it offers.
func parseDHCP(p []byte, xid uint32) (typ byte, l Lease, ok bool) {
	if len(p) < 240 || p[0] != 2 || binary.BigEndian.Uint32(p[4:]) != xid || binary.BigEndian.Uint32(p[236:]) != dhcpCookie {
		return 0, l, false
	}
	l.Address = net.IP(append([]byte(nil), p[16:20]...))
	for o := p[240:]; len(o) > 0; {
		code := o[0]
		if code == 255 {
			break
		}
		if code == 0 {
			o = o[1:]
			continue
		}
		if len(o) < 2 || len(o) < 2+int(o[1]) {
			return 0, l, false
		}
		v := o[2 : 2+int(o[1])]
		o = o[2+int(o[1]):]
		switch {
		case code == 53 && len(v) == 1:
			typ = v[0]
		case code == 1 && len(v) == 4:
			l.Mask = net.IPMask(append([]byte(nil), v...))
		case code == 3 && len(v) >= 4:
			l.Router = net.IP(append([]byte(nil), v[:4]...))
		case code == 6:
			for i := 0; i+4 <= len(v); i += 4 {
				l.DNS = append(l.DNS, net.IP(append([]byte(nil), v[i:i+4]...)))
			}
		case code == 51 && len(v) == 4:
			l.Duration = time.Duration(binary.BigEndian.Uint32(v)) * time.Second
		case code == 54 && len(v) == 4:
			l.Server = net.IP(append([]byte(nil), v...))
		}
	}
	if typ == 0 {
		return 0, l, false
	}
	if l.Mask == nil {
		l.Mask = l.Address.DefaultMask()
	}
	return typ, l, true
}

// ResolvConf is where the DNS servers from DHCP are written (the image's
// /etc/resolv.conf should point there).
const ResolvConf = "/run/kitbash/resolv.conf"

// WriteResolvConf writes the lease's DNS servers to path.
func WriteResolvConf(path string, l Lease) error {
	var b strings.Builder
	for _, ip := range l.DNS {
		fmt.Fprintf(&b, "nameserver %v\n", ip)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("resolv.conf: %w", err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("resolv.conf: %w", err)
	}
	return nil
}
