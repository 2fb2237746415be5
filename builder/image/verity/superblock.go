package verity

import "encoding/binary"

// superblockSize is the size of veritysetup's on-disk struct verity_sb.
const superblockSize = 512

// superblock encodes veritysetup's struct verity_sb (little endian): signature
// "verity\0\0", version 1, hash type 1, uuid, algorithm name, block sizes, data blocks,
// salt size and salt, zero-padded to 512 bytes.
func superblock(p Params, dataBlocks int64) []byte {
	sb := make([]byte, superblockSize)
	le := binary.LittleEndian
	copy(sb[0:8], "verity\x00\x00")
	le.PutUint32(sb[8:], 1)  // version
	le.PutUint32(sb[12:], 1) // hash type
	copy(sb[16:32], p.UUID[:])
	copy(sb[32:64], "sha256")
	le.PutUint32(sb[64:], uint32(p.DataBlockSize))
	le.PutUint32(sb[68:], uint32(p.HashBlockSize))
	le.PutUint64(sb[72:], uint64(dataBlocks))
	le.PutUint16(sb[80:], uint16(len(p.Salt)))
	copy(sb[88:88+MaxSaltSize], p.Salt)
	return sb
}
