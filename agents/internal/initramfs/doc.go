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
//     DATA (ext4, made with mkfs.ext4 on first boot) at /newroot/local;
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
// the libraries it links (only used on first boot). DATA is made but not yet grown to
// its partition (a TODO: it needs resize2fs).
//
// # Testing
//
// Everything that touches the machine goes through System, so Run is tested on the
// host with a fake; Main builds the real System and refuses to run unless it is PID 1.
package initramfs
