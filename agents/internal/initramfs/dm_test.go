package initramfs

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestDMCommands(t *testing.T) {
	// Values from notes/boot.md, proven on the Debian cloud kernel.
	for nr, want := range map[uintptr]uintptr{dmDevCreate: 0xC138FD03, dmDevSuspend: 0xC138FD06, dmTableLoad: 0xC138FD09} {
		if got := dmCmd(nr); got != want {
			t.Errorf("dmCmd(%d) = %#x, want %#x", nr, got, want)
		}
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDMHeaderGolden(t *testing.T) {
	got, err := dmHeader("root", dmIoctlSize, 0, dmReadOnlyFlag)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 312) // the rest: name padding, uuid, data, all zero
	copy(want, unhex(t, ""+
		"04000000 00000000 00000000"+ // 0: version 4.0.0
		"38010000"+ // 12: data_size 312
		"38010000"+ // 16: data_start 312
		"00000000"+ // 20: target_count
		"00000000"+ // 24: open_count
		"01000000"+ // 28: flags DM_READONLY_FLAG
		"00000000 00000000"+ // 32: event_nr, padding
		"00000000 00000000"+ // 40: dev
		"726f6f74", // 48: name "root"
	))
	if !bytes.Equal(got, want) {
		t.Fatalf("header\n got %x\nwant %x", got, want)
	}
	if _, err := dmHeader(strings.Repeat("n", 128), dmIoctlSize, 0, 0); err == nil {
		t.Fatal("128-byte name accepted")
	}
}

func TestDMTableLoadGolden(t *testing.T) {
	got, err := encodeTableLoad("root", dmReadOnlyFlag, []DMTarget{{Start: 0, Length: 16, Type: "verity", Params: "1 a b"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 312+48 {
		t.Fatalf("size %d", len(got))
	}
	head := unhex(t, "04000000 00000000 00000000 68010000 38010000 01000000 00000000 01000000")
	if !bytes.Equal(got[:32], head) || string(got[48:53]) != "root\x00" {
		t.Fatalf("header %x", got[:56])
	}
	spec := unhex(t, `
		0000000000000000 1000000000000000
		00000000 30000000
		76657269747900000000000000000000
		3120612062 000000`)
	if !bytes.Equal(got[312:], spec) {
		t.Fatalf("spec\n got %x\nwant %x", got[312:], spec)
	}
	if _, err := encodeTableLoad("root", 0, []DMTarget{{Type: "a-very-long-target"}}); err == nil {
		t.Fatal("long type accepted")
	}
}

func TestVerityTable(t *testing.T) {
	v := Verity{DataDev: "/dev/vda2", HashDev: "/dev/vda3", DataBlocks: 258, RootHash: rootHash, Salt: saltHex}
	want := "0 2064 verity 1 /dev/vda2 /dev/vda3 4096 4096 258 1 sha256 " + rootHash + " " + saltHex + " 1 restart_on_corruption"
	if got := v.Table().String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestDecodeDev(t *testing.T) {
	for _, c := range []struct{ major, minor uint32 }{{254, 0}, {254, 3}, {253, 300}, {10, 70000}} {
		dev := uint64(c.minor&0xff) | uint64(c.major)<<8 | uint64(c.minor&^0xff)<<12
		if ma, mi := decodeDev(dev); ma != c.major || mi != c.minor {
			t.Errorf("%d:%d decoded as %d:%d", c.major, c.minor, ma, mi)
		}
	}
}

func TestCreateVeritySequence(t *testing.T) {
	f := newFake()
	v := Verity{DataDev: "/dev/vda2", HashDev: "/dev/vda3", DataBlocks: 258, RootHash: rootHash, Salt: "-"}
	node, err := CreateVerity(f, "root", v)
	if err != nil || node != "/dev/dm-3" {
		t.Fatalf("%q %v", node, err)
	}
	if len(f.ioctls) != 3 || f.calls[0] != "ioctl 0xc138fd03" || f.calls[1] != "ioctl 0xc138fd09" || f.calls[2] != "ioctl 0xc138fd06" {
		t.Fatalf("calls %q", f.calls)
	}
	// Resume is DM_DEV_SUSPEND without DM_SUSPEND_FLAG (1<<1).
	if flags := f.ioctls[2][28]; flags&2 != 0 {
		t.Fatalf("resume flags %#x", flags)
	}
}
