// Package sysblock reads disks and their partitions as sysfs and devtmpfs show them,
// from a file system rooted at "/" (os.DirFS("/") on the machine, a fstest.MapFS in
// tests). Paths, relative to that root:
//
//	sys/block/<disk>/uevent                     DEVNAME=vda, DEVTYPE=disk
//	sys/block/<disk>/size                       512-byte sectors
//	sys/block/<disk>/queue/logical_block_size   bytes per LBA (default 512)
//	sys/block/<disk>/<part>/partition           present for partitions
//	sys/block/<disk>/<part>/uevent              DEVNAME=vda2, PARTN=2[, PARTUUID=...]
//	dev/<DEVNAME>                               the block device
//
// Mainline kernels do not put PARTUUID in a partition's uevent (some patched kernels
// do); the disk's GPT, read by ReadGPT, has it.
package sysblock
