// Package gpt reads a GUID Partition Table (UEFI 2.x, 5.3): the header, checked by its
// CRC32, and the used entries of its entry array, checked by theirs. Read takes the
// primary copy at LBA 1 if it holds, else the backup at the last LBA, as the kernel
// does; ReadAt reads the copy whose header is at a given LBA.
//
// It only reads. agents/internal/initramfs's grow.go keeps its own, stricter reader of
// the raw header and entry bytes, which it rewrites. Package gpttest builds GPT images
// for tests.
package gpt
