// Package gpt writes and reads the GUID partition table of a Kitbash disk image,
// deterministically: the same Table always gives the same bytes.
//
// Layout (logical sector size 512, see [SectorSize]):
//
//	LBA 0            protective MBR: one 0xEE record from LBA 1 to the end of the disk
//	                 (capped at 0xFFFFFFFF sectors), no boot code, disk signature 0
//	LBA 1            primary header (revision 1.0, 92 bytes, rest of the sector zero)
//	LBA 2..33        primary entry array: 128 entries of 128 bytes
//	LBA 34..N-34     usable: partitions, each aligned to 1 MiB by [Plan]
//	LBA N-33..N-2    backup entry array (same bytes as the primary)
//	LBA N-1          backup header
//
// Partition types come from the Discoverable Partitions Specification ([TypeESP],
// [TypeRootAMD64], [TypeRootVerityAMD64], [TypeLinux]). GUIDs are never random: the
// disk GUID and every partition's unique GUID come from [DeriveGUID] of the image's
// identity (see [Table.SetGUIDs]).
//
// A [16]byte GUID in this package is always in its on-disk (mixed-endian) encoding:
// the first three fields little-endian, the last two as written. [GUIDString] and
// [ParseGUID] convert to and from the usual text form.
package gpt
