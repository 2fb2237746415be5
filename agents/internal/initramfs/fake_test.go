package initramfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/gpt"
	"github.com/kitbash-dev/kitbash/agents/internal/gpt/gpttest"
)

const (
	release   = "6.1.0-56-cloud-amd64"
	uuidESP   = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
	uuidRoot  = "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0a01"
	uuidHash  = "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0a02"
	uuidPriv  = "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0a03"
	uuidData  = "6a0e9f1c-0b7e-4b8e-9a1d-3c6d2f1e0a04"
	rootHash  = "344f10a9b90072999ed897a82b6ba0d3f0f0f9d7f52b1c94a2479814fcadb6b8"
	saltHex   = "0011223344556677889900112233445566778899001122334455667788990011"
	modulesMD = `kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/md/dm-verity.ko: kernel/lib/reed_solomon/reed_solomon.ko kernel/drivers/md/dm-bufio.ko kernel/drivers/md/dm-mod.ko
kernel/drivers/md/dm-bufio.ko:
kernel/drivers/md/dm-mod.ko:
kernel/lib/reed_solomon/reed_solomon.ko:
kernel/fs/erofs/erofs.ko: kernel/lib/libcrc32c.ko
kernel/lib/libcrc32c.ko:
kernel/arch/x86/crypto/sha256-ssse3.ko:
`
	modulesBuiltin = "kernel/fs/ext4/ext4.ko\nkernel/crypto/sha256_generic.ko\n"
)

func goodCmdline() string {
	return "BOOT_IMAGE=/a/vmlinuz console=ttyS0 panic=-1 kitbash.root=PARTUUID=" + strings.ToUpper(uuidRoot) +
		" kitbash.hash=PARTUUID=" + uuidHash + " kitbash.roothash=" + rootHash + " kitbash.salt=" + saltHex +
		" kitbash.datablocks=258 kitbash.private=PARTUUID=" + uuidPriv + " kitbash.data=PARTUUID=" + uuidData + " kitbash.slot=a quiet"
}

// gptDisk is a disk of 64 512-byte LBAs with a GPT (gpttest's default layout: primary
// at LBA 1, entries at LBA 2, backup header at LBA 63) naming the given partition GUIDs
// as entries 1, 2, ... ("" leaves an entry unused).
func gptDisk(guids ...string) []byte {
	var es []gpt.Entry
	for i, g := range guids {
		if g != "" {
			es = append(es, gpt.Entry{Number: i + 1, Type: "0fc63daf-8483-4772-8e79-3d69d8477de4", UUID: g}) // Linux filesystem type
		}
	}
	return gpttest.Image(gpttest.Layout{}, es...)
}

// addDisk puts a disk and its partitions (numbered from 1) into sysfs and /dev.
// withUUID also writes PARTUUID into the partitions' uevents, as patched kernels do.
func addDisk(m fstest.MapFS, name string, image []byte, uuids []string, withUUID bool) {
	m["sys/block/"+name+"/uevent"] = &fstest.MapFile{Data: []byte("MAJOR=254\nMINOR=0\nDEVNAME=" + name + "\nDEVTYPE=disk\n")}
	m["sys/block/"+name+"/size"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("%d\n", len(image)/512))}
	m["sys/block/"+name+"/queue/logical_block_size"] = &fstest.MapFile{Data: []byte("512\n")}
	m["dev/"+name] = &fstest.MapFile{Data: image}
	for i, u := range uuids {
		sep := "" // the kernel writes vda2, but nvme0n1p2
		if c := name[len(name)-1]; c >= '0' && c <= '9' {
			sep = "p"
		}
		p := fmt.Sprintf("%s%s%d", name, sep, i+1)
		ev := fmt.Sprintf("MAJOR=254\nMINOR=%d\nDEVNAME=%s\nDEVTYPE=partition\nPARTN=%d\n", i+1, p, i+1)
		if withUUID {
			ev += "PARTUUID=" + u + "\n"
		}
		m["sys/block/"+name+"/"+p+"/uevent"] = &fstest.MapFile{Data: []byte(ev)}
		m["sys/block/"+name+"/"+p+"/partition"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("%d\n", i+1))}
		m["dev/"+p] = &fstest.MapFile{Data: make([]byte, 4096)}
	}
}

var errInjected = errors.New("injected failure")

// fake is a System in memory. Calls are recorded as short strings; a call starting with
// failOn fails. Devices appear as the real kernel makes them: the disk one poll after
// virtio_blk is loaded, the device-mapper control node with dm-mod, the dm device on
// resume. Mounting the erofs root makes the image's directories visible.
type fake struct {
	fstest.MapFS
	failOn  string
	calls   []string
	console []string
	ioctls  [][]byte
	reboots int
	sleeps  int
	pending []func()
	// noDisk keeps the disk from ever appearing; blankData leaves DATA without ext4.
	noDisk, blankData, noPrivateDir bool
}

func newFake() *fake {
	m := fstest.MapFS{
		"proc/cmdline":                                {Data: []byte(goodCmdline() + "\n")},
		"proc/sys/kernel/osrelease":                   {Data: []byte(release + "\n")},
		"lib/modules/" + release + "/modules.dep":     {Data: []byte(modulesMD)},
		"lib/modules/" + release + "/modules.builtin": {Data: []byte(modulesBuiltin)},
	}
	return &fake{MapFS: m}
}

func (f *fake) call(c string) error {
	f.calls = append(f.calls, c)
	if f.failOn != "" && strings.HasPrefix(c, f.failOn) {
		return errInjected
	}
	return nil
}

func (f *fake) MkdirAll(p string) error { return f.call("mkdir " + p) }

func (f *fake) Mount(m Mount) error {
	ro := ""
	if m.ReadOnly {
		ro = " ro"
	}
	if err := f.call(fmt.Sprintf("mount %s %s %s%s", m.Source, m.Target, m.FSType, ro)); err != nil {
		return err
	}
	if m.FSType == "erofs" {
		if !f.noPrivateDir {
			f.MapFS["newroot/.private"] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		}
		f.MapFS["newroot/local"] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		f.MapFS["newroot/usr/bin/init"] = &fstest.MapFile{Data: []byte("ELF"), Mode: 0o755}
	}
	return nil
}

func (f *fake) LoadModule(p string, compressed bool) error {
	if err := f.call("load " + p); err != nil {
		return err
	}
	switch ModuleName(p) {
	case "sha256_ssse3":
		return errors.New("no such device") // as under TCG's qemu64 CPU
	case "virtio_blk":
		if !f.noDisk {
			f.pending = append(f.pending, func() {
				img := gptDisk(uuidESP, uuidRoot, uuidHash, uuidPriv, uuidData)
				addDisk(f.MapFS, "vda", img, []string{uuidESP, uuidRoot, uuidHash, uuidPriv, uuidData}, false)
				if !f.blankData {
					binary.LittleEndian.PutUint16(f.MapFS["dev/vda5"].Data[0x438:], 0xEF53)
				}
			})
		}
	case "dm_mod":
		f.MapFS["dev/mapper/control"] = &fstest.MapFile{}
	}
	return nil
}

func (f *fake) DMIoctl(cmd uintptr, buf []byte) error {
	if err := f.call(fmt.Sprintf("ioctl %#x", cmd)); err != nil {
		return err
	}
	f.ioctls = append(f.ioctls, append([]byte(nil), buf...))
	switch cmd {
	case dmCmd(dmDevCreate):
		binary.LittleEndian.PutUint64(buf[40:], 254<<8|3) // major 254, minor 3
	case dmCmd(dmDevSuspend):
		f.MapFS["dev/dm-3"] = &fstest.MapFile{}
	}
	return nil
}

func (f *fake) Exec(argv ...string) error {
	if err := f.call("exec " + strings.Join(argv, " ")); err != nil {
		return err
	}
	dev := strings.TrimPrefix(argv[len(argv)-1], "/")
	binary.LittleEndian.PutUint16(f.MapFS[dev].Data[0x438:], 0xEF53)
	return nil
}

func (f *fake) SwitchRoot(newRoot, init string) error {
	return f.call("switchroot " + newRoot + " " + init)
}

func (f *fake) Console(line string) { f.console = append(f.console, line) }

func (f *fake) Reboot() error {
	f.reboots++
	f.calls = append(f.calls, "reboot")
	return nil
}

func (f *fake) Sleep(time.Duration) {
	f.sleeps++
	if len(f.pending) > 0 {
		f.pending[0]()
		f.pending = f.pending[1:]
	}
}

func testConfig() Config {
	c := DefaultConfig()
	c.DeviceTimeout = time.Second
	return c
}
