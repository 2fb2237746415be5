package verity

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
)

// testData returns n 4096-byte blocks of the ChaCha8 stream seeded with seed; the golden
// values were computed with veritysetup 2.6.1 on exactly these bytes.
func testData(seed string, n int) []byte {
	var s [32]byte
	copy(s[:], seed)
	b := make([]byte, n*4096)
	rand.NewChaCha8(s).Read(b)
	return b
}

// memFile is an in-memory io.WriterAt.
type memFile struct{ b []byte }

func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	if end := off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	return copy(m.b[off:], p), nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
