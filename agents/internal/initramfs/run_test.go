package initramfs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRunBoots(t *testing.T) {
	f := newFake()
	if err := Run(testConfig(), f); err != nil {
		t.Fatal(err)
	}
	mods := "/lib/modules/" + release + "/kernel/"
	want := []string{
		"mkdir /proc", "mount proc /proc proc",
		"mkdir /sys", "mount sysfs /sys sysfs",
		"mkdir /dev", "mount devtmpfs /dev devtmpfs",
		"load " + mods + "drivers/virtio/virtio_ring.ko",
		"load " + mods + "drivers/virtio/virtio.ko",
		"load " + mods + "drivers/virtio/virtio_pci_legacy_dev.ko",
		"load " + mods + "drivers/virtio/virtio_pci_modern_dev.ko",
		"load " + mods + "drivers/virtio/virtio_pci.ko",
		"load " + mods + "drivers/block/virtio_blk.ko",
		"load " + mods + "drivers/md/dm-mod.ko",
		"load " + mods + "drivers/md/dm-bufio.ko",
		"load " + mods + "lib/reed_solomon/reed_solomon.ko",
		"load " + mods + "drivers/md/dm-verity.ko",
		"load " + mods + "lib/libcrc32c.ko",
		"load " + mods + "fs/erofs/erofs.ko",
		"load " + mods + "arch/x86/crypto/sha256-ssse3.ko",
		"ioctl 0xc138fd03", "ioctl 0xc138fd09", "ioctl 0xc138fd06",
		"mkdir /newroot", "mount /dev/dm-3 /newroot erofs ro",
		"mount /dev/vda4 /newroot/.private ext4",
		"mount /dev/vda5 /newroot/local ext4",
		"switchroot /newroot /usr/bin/init",
	}
	if !reflect.DeepEqual(f.calls, want) {
		t.Fatalf("calls\n got %q\nwant %q", f.calls, want)
	}
	if f.reboots != 0 || f.sleeps == 0 {
		t.Fatalf("reboots %d sleeps %d", f.reboots, f.sleeps)
	}
	for _, l := range f.console {
		if strings.HasPrefix(l, FailPrefix) {
			t.Fatalf("console %q", l)
		}
	}
	// The table loaded names the partitions found by PARTUUID.
	params := string(f.ioctls[1][dmIoctlSize+dmTargetSpecSize:])
	if !strings.HasPrefix(params, "1 /dev/vda2 /dev/vda3 4096 4096 258 1 sha256 "+rootHash+" "+saltHex+" 1 restart_on_corruption\x00") {
		t.Fatalf("table params %q", params)
	}
}

func TestRunFormatsBlankData(t *testing.T) {
	f := newFake()
	f.blankData = true
	if err := Run(testConfig(), f); err != nil {
		t.Fatal(err)
	}
	i := indexOf(f.calls, "exec /sbin/mkfs.ext4 -q -F -L DATA -E lazy_itable_init=1,lazy_journal_init=1,nodiscard /dev/vda5")
	j := indexOf(f.calls, "mount /dev/vda5 /newroot/local ext4")
	if i < 0 || j < i {
		t.Fatalf("mkfs at %d, mount at %d: %q", i, j, f.calls)
	}
}

func TestHasExt4(t *testing.T) {
	blank := make([]byte, 2048)
	ext := make([]byte, 2048)
	ext[0x438], ext[0x439] = 0x53, 0xEF
	for _, c := range []struct {
		dev  []byte
		want bool
	}{{blank, false}, {ext, true}} {
		got, err := HasExt4(strings.NewReader(string(c.dev)))
		if err != nil || got != c.want {
			t.Errorf("HasExt4 = %v %v, want %v", got, err, c.want)
		}
	}
	if _, err := HasExt4(strings.NewReader("short")); err == nil {
		t.Error("short device: no error")
	}
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

// Every failing step ends with the one fail line and a reboot, and nothing after it.
func TestRunFailsClosed(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(f *fake)
		reason string
	}{
		{"mount proc", func(f *fake) { f.failOn = "mount proc" }, "mount proc (proc) on /proc: injected failure"},
		{"mount dev", func(f *fake) { f.failOn = "mount devtmpfs" }, "mount devtmpfs (devtmpfs) on /dev"},
		{"cmdline", func(f *fake) {
			f.MapFS["proc/cmdline"].Data = []byte("console=ttyS0 kitbash.root=PARTUUID=" + uuidRoot)
		}, "kernel command line: kitbash.hash missing"},
		{"no modules.dep", func(f *fake) { delete(f.MapFS, "lib/modules/"+release+"/modules.dep") }, "modules: open lib/modules/" + release + "/modules.dep"},
		{"module load", func(f *fake) { f.failOn = "load /lib/modules/" + release + "/kernel/drivers/md/dm-mod.ko" }, "load module dm_mod (kernel/drivers/md/dm-mod.ko): injected failure"},
		{"no disk", func(f *fake) { f.noDisk = true }, "partition kitbash.root=PARTUUID=" + uuidRoot + ", kitbash.hash=PARTUUID=" + uuidHash},
		{"dev create", func(f *fake) { f.failOn = "ioctl 0xc138fd03" }, "dm-verity: DM_DEV_CREATE root: injected failure"},
		{"table load", func(f *fake) { f.failOn = "ioctl 0xc138fd09" }, "dm-verity: DM_TABLE_LOAD root (0 2064 verity 1 /dev/vda2 /dev/vda3"},
		{"resume", func(f *fake) { f.failOn = "ioctl 0xc138fd06" }, "DM_DEV_SUSPEND (resume) root"},
		{"mount root", func(f *fake) { f.failOn = "mount /dev/dm-3" }, "mount /dev/dm-3 (erofs) on /newroot"},
		{"no .private", func(f *fake) { f.noPrivateDir = true }, "the root image has no directory /.private"},
		{"mount private", func(f *fake) { f.failOn = "mount /dev/vda4" }, "mount /dev/vda4 (ext4) on /newroot/.private"},
		{"mkfs", func(f *fake) { f.blankData = true; f.failOn = "exec" }, "DATA /dev/vda5: /sbin/mkfs.ext4 -q -F -L DATA -E lazy_itable_init=1,lazy_journal_init=1,nodiscard /dev/vda5: injected failure"},
		{"switch root", func(f *fake) { f.failOn = "switchroot" }, "switch root to /newroot: injected failure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake()
			c.setup(f)
			err := Run(testConfig(), f)
			if err == nil {
				t.Fatal("no error")
			}
			if f.reboots != 1 || f.calls[len(f.calls)-1] != "reboot" {
				t.Fatalf("reboots %d, calls %q", f.reboots, f.calls)
			}
			last := f.console[len(f.console)-1]
			if !strings.HasPrefix(last, FailPrefix) || !strings.Contains(last, c.reason) || strings.Contains(last, "\n") {
				t.Fatalf("console %q, want %q", last, FailPrefix+"..."+c.reason)
			}
			if c.name != "switch root" && indexOf(f.calls, "switchroot /newroot /usr/bin/init") >= 0 {
				t.Fatal("switched root after a failure")
			}
		})
	}
}

func TestRunTimeoutIsBounded(t *testing.T) {
	f := newFake()
	f.noDisk = true
	cfg := testConfig()
	err := Run(cfg, f)
	if err == nil || !strings.Contains(err.Error(), "did not appear within 1s") {
		t.Fatalf("err %v", err)
	}
	if max := int(cfg.DeviceTimeout / cfg.PollInterval); f.sleeps != max {
		t.Fatalf("slept %d times, want %d", f.sleeps, max)
	}
}

type failReboot struct{ *fake }

func (failReboot) Reboot() error { return errors.New("reboot refused") }

func TestRunRebootFails(t *testing.T) {
	f := newFake()
	f.failOn = "mount proc"
	err := Run(testConfig(), failReboot{f})
	if err == nil || !strings.Contains(err.Error(), "reboot refused") || !errors.Is(err, errInjected) {
		t.Fatalf("err %v", err)
	}
}
