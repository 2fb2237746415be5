// Package initramfs is the first stage of a Kitbash boot: the agents' init running as
// PID 1 of the initramfs. It sets up the dm-verity protected root and hands over to
// /usr/bin/init on it:
//
//  1. mount /proc, /sys and /dev (devtmpfs) in the initramfs;
//  2. parse the kernel command line (keys below);
//  3. load the kernel modules the boot needs from /lib/modules/$(uname -r), in
//     dependency order from modules.dep, with finit_module(2), skipping those listed in
//     modules.builtin (compressed .ko.xz/.ko.zst/.ko.gz are passed with
//     MODULE_INIT_COMPRESSED_FILE, which needs Linux >= 5.17 with MODULE_DECOMPRESS; the
//     Debian cloud kernel ships plain .ko);
//  4. wait, with a timeout, for every partition named on the command line to appear,
//     found by its GPT partition UUID, never by its position;
//  5. create the dm-verity device with device-mapper ioctls (DM_DEV_CREATE,
//     DM_TABLE_LOAD, DM_DEV_SUSPEND to resume; the kernel has no DM_INIT);
//  6. mount it read-only as erofs at /newroot, PRIVATE (ext4) at /newroot/.private, and
//     DATA (ext4) at /newroot/local. On first boot (DATA holds no file system) DATA is
//     first grown to the end of its disk when it is the last partition there (see
//     below), then made with mkfs.ext4;
//  7. switch_root: move /dev, /proc and /sys into /newroot, free the initramfs, make
//     /newroot the root, chroot and exec /usr/bin/init.
//
// Any failure prints one line, "KITBASH-BOOT-FAILED: <reason>", on the console and
// reboots: the boot fails closed, and the boot loader's try counter falls back to the
// other slot.
//
// # Kernel command line
//
// The image's boot entry for a slot carries (values never contain spaces):
//
//	kitbash.root=PARTUUID=<uuid>      required: the slot's ROOT partition (erofs image)
//	kitbash.hash=PARTUUID=<uuid>      required: the slot's HASH partition (verity tree;
//	                                  block 0 holds the veritysetup superblock, so the
//	                                  tree starts at hash block 1)
//	kitbash.roothash=<hex>            required: the verity root hash, 64 hex digits (sha256)
//	kitbash.salt=<hex>                required: the verity salt, an even number of hex
//	                                  digits (at most 512), or "-" for none
//	kitbash.datablocks=<n>            required: the number of 4096-byte data blocks the
//	                                  hash tree covers (the device is n*8 sectors long)
//	kitbash.private=PARTUUID=<uuid>   optional: PRIVATE (ext4), mounted at /.private
//	kitbash.data=PARTUUID=<uuid>      optional: DATA (ext4), mounted at /local; made
//	                                  with mkfs.ext4 when it holds no ext2/3/4 file system
//
// <uuid> is the GPT unique partition GUID in its usual text form
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, either case). A required key missing, a key
// given twice, or a malformed value fails the boot. Other kitbash.* keys are left to
// other agents; all other parameters are the kernel's.
//
// The verity table made from them is
//
//	0 <datablocks*8> verity 1 <root dev> <hash dev> 4096 4096 <datablocks> 1 sha256 <roothash> <salt> 1 restart_on_corruption
//
// # What the images must hold
//
// The root image (read-only erofs) must have the directories /dev, /proc, /sys (mount
// points moved in by switch_root), /.private and /local, and /usr/bin/init. The
// initramfs holds this program, /lib/modules/<release>/{modules.dep,modules.builtin}
// with the modules of DefaultConfig and their dependencies, and /sbin/mkfs.ext4 with
// the libraries it links (only used on first boot).
//
// # Growing DATA
//
// The image is small and the disk it is written to usually bigger. On first boot, before
// mkfs.ext4, DATA is grown when it is the last partition on its disk (every other
// partition ends before it starts) and its end can move: its GPT entry is made to end
// at the last 1 MiB boundary (2048 LBAs of 512 bytes, 256 of 4096; the logical block
// size is read from /sys/block/<disk>/queue/logical_block_size) within the new last
// usable LBA. The headers get LastUsableLBA (the last LBA less the backup header and
// 16 KiB of entries: disk sectors - 34 with 512-byte sectors), AlternateLBA (the last
// LBA) and the new CRCs; the backup header moves to the last LBA with its entries just
// before it; a protective MBR is made to cover the whole disk. Every GUID, attribute
// and name is kept. The writes go MBR, backup (entries and header, one write), primary
// (header and entries), each followed by a sync, so after every step one GPT copy is
// valid and holds the old or the new table (a power cut inside the primary write
// leaves only the new backup valid: UEFI firmware restores the primary from it; Linux
// alone reads only the primary unless "gpt" is on its command line). A primary found
// invalid next to a valid backup at the last LBA is rewritten from it, and a backup at
// the last LBA that does not match a valid primary pointing there is rewritten from the
// primary. The kernel is then told DATA's new extent with the BLKPG_RESIZE_PARTITION
// ioctl on the disk. DATA that is not last, or whose end would not move, is left alone
// (and so is the GPT). Only a file system made on first boot fills a grown DATA: an
// existing file system is not resized (that would need resize2fs).
//
// # Testing
//
// Everything that touches the machine goes through System, so Run is tested on the
// host with a fake; Main builds the real System and refuses to run unless it is PID 1.
package initramfs
