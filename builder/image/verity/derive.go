package verity

import (
	"crypto/sha256"
	"fmt"
)

// DeriveSalt returns the 32-byte salt of the image with the given identity:
// sha256("kitbash verity salt\x00" + identity).
func DeriveSalt(identity string) []byte {
	s := sha256.Sum256([]byte("kitbash verity salt\x00" + identity))
	return s[:]
}

// DeriveUUID returns the superblock UUID of the image with the given identity: an
// RFC 9562 version 8 (custom) UUID made of the first 16 bytes of
// sha256("kitbash verity uuid\x00" + identity), with the version nibble set to 8 and the
// variant bits to 10.
func DeriveUUID(identity string) [16]byte {
	s := sha256.Sum256([]byte("kitbash verity uuid\x00" + identity))
	var u [16]byte
	copy(u[:], s[:16])
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	return u
}

// FormatUUID returns u in the canonical 8-4-4-4-12 form (as veritysetup --uuid takes it).
func FormatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
