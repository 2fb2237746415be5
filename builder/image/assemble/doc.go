// Package assemble turns a variant's packages into a bootable disk image: the root file
// system (rootfs), erofs and the PRIVATE ext4 file system (made by mkfs.erofs and
// mkfs.ext4 in the SDK), the dm-verity hash tree (Go, byte-identical to veritysetup),
// the initramfs (Go cpio of the agents' init, the kernel modules the boot needs and
// the SDK's mkfs.ext4), the ESP (mkfs.fat and mtools in the SDK: systemd-boot, slot A's
// kernel, initramfs and boot entry), and the GPT disk (Go) with every partition
// written at its place. Then the outputs: update images (zstd), the SPDX SBOM,
// image.json and SHA256SUMS.
//
// Every identifier in the image is derived, never random: partition and disk GUIDs
// from the variant's name (so an update built later for the same variant names the
// partitions of disks already in the field), file system UUIDs, the FAT volume id and
// the verity salt from the image's identity (variant, version and root file system
// digest). Times come from SOURCE_DATE_EPOCH. The same packages give the same bytes.
//
// Tools that are not Go run in the SDK through a [Runner]; the real one is a BuildKit
// solve (see SDKRunner), tests may use another.
package assemble
