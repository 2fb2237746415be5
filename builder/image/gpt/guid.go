package gpt

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Partition type GUIDs (Discoverable Partitions Specification), in on-disk encoding.
// They are functions so the package holds no mutable state.

// TypeESP is the EFI System Partition, C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
func TypeESP() [16]byte { return mustGUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B") }

// TypeRootAMD64 is the x86-64 root partition, 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709.
func TypeRootAMD64() [16]byte { return mustGUID("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709") }

// TypeRootVerityAMD64 is the x86-64 root verity (hash tree) partition,
// 2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5.
func TypeRootVerityAMD64() [16]byte { return mustGUID("2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5") }

// TypeLinux is the generic Linux data partition, 0FC63DAF-8483-4772-8E79-3D69D8477DE4.
func TypeLinux() [16]byte { return mustGUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4") }

func mustGUID(s string) [16]byte {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err) // only for the literals above, covered by tests
	}
	return g
}

// GUIDString formats an on-disk GUID in the usual text form, lower case:
// "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" for the bytes 28 73 2A C1 1F F8 D2 11 BA 4B ...
// (lower case as Linux shows PARTUUIDs; [ParseGUID] accepts either case).
func GUIDString(g [16]byte) string {
	u := swap(g)
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// ParseGUID parses the text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case) into
// the on-disk encoding.
func ParseGUID(s string) ([16]byte, error) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("GUID %q: want the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return [16]byte{}, fmt.Errorf("GUID %q: %w", s, err)
	}
	return swap(u), nil
}

// swap converts between the big-endian (text order) and on-disk encodings; it is its
// own inverse.
func swap(g [16]byte) [16]byte {
	binary.LittleEndian.PutUint32(g[0:4], binary.BigEndian.Uint32(g[0:4]))
	binary.LittleEndian.PutUint16(g[4:6], binary.BigEndian.Uint16(g[4:6]))
	binary.LittleEndian.PutUint16(g[6:8], binary.BigEndian.Uint16(g[6:8]))
	return g
}

// DeriveGUID derives a GUID from an image identity (for example variant, arch and
// version) and a label (the partition name, or "disk" for the disk GUID), in on-disk
// encoding. The same inputs always give the same GUID; different identities or labels
// give different GUIDs.
//
// Definition: h = SHA-256("kitbash-gpt-guid\x00" || uint64be(len(identity)) || identity
// || label). The first 16 bytes of h, read in text (big-endian) order, get the RFC 4122
// version 4 and variant bits (byte 6 = 0x4?, byte 8 = 0b10??????), as systemd-repart
// does for its derived UUIDs, so tools see an ordinary well-formed UUID; the result is
// then stored mixed-endian like every GPT GUID. The length prefix keeps
// ("ab", "c") and ("a", "bc") apart.
func DeriveGUID(identity, label string) [16]byte {
	h := sha256.New()
	h.Write([]byte("kitbash-gpt-guid\x00"))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(identity)))
	h.Write(n[:])
	h.Write([]byte(identity))
	h.Write([]byte(label))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return swap(u)
}
