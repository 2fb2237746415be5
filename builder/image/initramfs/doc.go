// Package initramfs makes the initramfs of a Kitbash image: the agents' init as /init,
// the marker file /kitbash-initramfs that makes init run its initramfs stage, the
// kernel modules the stage loads (dm-verity, erofs, the disk drivers, with their
// dependencies and a modules.dep/modules.builtin/modules.order trimmed to them), and
// whatever else the caller adds (mkfs.ext4 and the libraries it links, for the first
// boot's formatting of DATA).
//
// The archive is a cpio in the "newc" format (magic 070701), which the kernel unpacks
// uncompressed or, through [Gzip], gzip-compressed. It is deterministic: the same
// entries, in any order, always give the same bytes. Every member is owned by uid and
// gid 0, has mtime 0 and dev 0:0; members are sorted by path, component by component
// (a directory's whole subtree follows it, parents come before their children), and
// numbered from inode 1 in that order. Directories have nlink 2 plus their number of
// subdirectories, everything else nlink 1. Names are written without a leading "/"
// (as "find . | cpio -o" would, minus the "./"), which the kernel and
// "cpio -i --no-absolute-filenames" both accept.
package initramfs
