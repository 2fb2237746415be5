package verity

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goldenSeed = "kitbash verity golden test data!"

// golden was produced with veritysetup 2.6.1 from testData(goldenSeed, blocks):
//
//	veritysetup format --data-block-size 4096 --hash-block-size 4096 --hash sha256 --format 1 \
//	  --salt=<hex of DeriveSalt("test-image"), or - for empty> \
//	  [--uuid 21957439-3816-804f-9136-4c4694c1c5d2 | --no-superblock] data hash
//
// with the sha256 and size of each hash file.
var golden = []struct {
	blocks     int
	emptySalt  bool
	root       string
	sb, noSB   string // sha256 of the hash file with and without superblock
	sbN, noSBN int64
}{
	{1, false, "6c1d6e1597a6d97d7f33ec4180376e70218aff3b45cafadfac2c4b935a7fa4f9", "4c5a9887b416c5e9e88fee74cca75aed4e65673d6e02b3a50b35c667f191bc1c", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 4096, 0},
	{1, true, "87e82559e2d1e833fff48a1e2b86c0d1211c6943ba5cb9b8cb38ebc37c0f956e", "b51a8cf58f722e899ba03d405f50d30e303fc16b1558e6ea4542a88a064b593b", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 4096, 0},
	{2, false, "e7542b134ae46e9cc57ec6cc92e0b0428b5c76993bca7c2d49780e5a234431c8", "66b48aead58140a9985840181bee3adf3fa7182fb8f0614175d173bbf353e1a6", "2b0a38e9ce82c9091bbd9d45c95cf07af9fa93030a354258463b211df9e1cec7", 8192, 4096},
	{2, true, "e3d19e789cfab0f1af214a576731c6b6f0e003ce32c88dd1a49d6cd7f2997c79", "ac6f5b5d10fa142e332dc02f05ef8e89e600a8e2f7b4956caa01b12333636d38", "e3d19e789cfab0f1af214a576731c6b6f0e003ce32c88dd1a49d6cd7f2997c79", 8192, 4096},
	{128, false, "c358d3c18a01f984f19eb5c1c41f5c6d82c531a9056be851d7d8df8d6404901e", "ccecc39f2f51a550eac2d15b369a162814385199636e3178ff3f36c87b7a1a07", "585317f38e75e84bb2a5b7970ffca936437f0f1e83228322a5b83f56ddf67c38", 8192, 4096},
	{128, true, "54ca818ac1603289bcdcdb87f68a3ee4e2c0dc6346944423d3fe6ab3f91d1ad5", "1f85e08477371363d3bfa0c65c9cdfa6ab7e6b3ee8ebd2f2eb692e264b95e22a", "54ca818ac1603289bcdcdb87f68a3ee4e2c0dc6346944423d3fe6ab3f91d1ad5", 8192, 4096},
	{129, false, "97696eddd9809f6bbaa54e1eb0d53ef18828f4bb973853927a21d5826172a487", "aaef5b7c6b82f9d984a92f75385dc1a2ed5c9b071e050c852067c111631a2699", "8b5909bc9b0df91af6d8fca9982e0617166b942518f91999746c83b35d5dbd2f", 16384, 12288},
	{129, true, "cbef78f7d13a2eba8e5d288fbd50c4cb16c21c1cf644837f2c781b2b907d7831", "26d6b55aec230aa15f6180bfdc6ae30a98577ce1bc7aa16aeb63b565ea88d13f", "6380f1418a7e61ce7a1ac7355098478347f653b30040f5956865e3a9b254051e", 16384, 12288},
	{16385, false, "869438c1c6236cf7d1d1b985056afc7d4db695233ac03e1727352ba25b206620", "0091990adebd7fd0f8efab8f2d61677904390cce9cfc2947664d21a16848f47e", "7808751a6ce9472da5af5bc67f48c2d74c4f9d1df4ab5b602df71a67f99ea1b6", 544768, 540672},
	{16385, true, "01d23a0de757a157dd93b8c7169c1c70a92186940d3a6a4112bda64d9710d3b5", "cf13c16a07491aec9590ec8430366bd887100444a8f1c08383a63d739d21f472", "a8ce56839e629c206ed49beb2e578201fabbb39dba30491507b21c4cc3310600", 544768, 540672},
}

func TestGolden(t *testing.T) {
	all := testData(goldenSeed, 16385)
	for _, g := range golden {
		data := all[:g.blocks*4096]
		for _, sb := range []bool{true, false} {
			for _, workers := range []int{1, 2, 3} {
				p := Params{UUID: DeriveUUID("test-image"), Superblock: sb, Workers: workers}
				if !g.emptySalt {
					p.Salt = DeriveSalt("test-image")
				}
				t.Run(fmt.Sprintf("blocks=%d/emptysalt=%v/superblock=%v/workers=%d", g.blocks, g.emptySalt, sb, workers), func(t *testing.T) {
					var out memFile
					root, n, err := Create(bytes.NewReader(data), int64(len(data)), &out, p)
					if err != nil {
						t.Fatal(err)
					}
					wantSum, wantN := g.noSB, g.noSBN
					if sb {
						wantSum, wantN = g.sb, g.sbN
					}
					if got := hex.EncodeToString(root); got != g.root {
						t.Errorf("root hash %s, want %s", got, g.root)
					}
					if n != wantN || int64(len(out.b)) != wantN {
						t.Errorf("hash size %d (wrote %d), want %d", n, len(out.b), wantN)
					}
					if got := sha256Hex(out.b); got != wantSum {
						t.Errorf("hash file sha256 %s, want %s", got, wantSum)
					}
					if hs, err := HashSize(int64(len(data)), p); err != nil || hs != wantN {
						t.Errorf("HashSize = %d, %v; want %d", hs, err, wantN)
					}
				})
			}
		}
	}
}

func TestCreateFiles(t *testing.T) {
	g := golden[6] // 129 blocks, derived salt
	dir := t.TempDir()
	dataPath, hashPath := filepath.Join(dir, "data"), filepath.Join(dir, "hash")
	if err := os.WriteFile(dataPath, testData(goldenSeed, g.blocks), 0o644); err != nil {
		t.Fatal(err)
	}
	// A longer file already there is truncated.
	if err := os.WriteFile(hashPath, bytes.Repeat([]byte{0xff}, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := CreateFiles(dataPath, hashPath, Params{Salt: DeriveSalt("test-image"), UUID: DeriveUUID("test-image"), Superblock: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(hashPath)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(root) != g.root || sha256Hex(got) != g.sb || int64(len(got)) != g.sbN {
		t.Errorf("root %x, hash file %s (%d bytes); want %s, %s (%d bytes)", root, sha256Hex(got), len(got), g.root, g.sb, g.sbN)
	}
	if _, err := CreateFiles(filepath.Join(dir, "missing"), hashPath, Params{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing data file: %v", err)
	}
}

func TestSuperblockLayout(t *testing.T) {
	p := Params{DataBlockSize: 4096, HashBlockSize: 4096, Salt: []byte{0xaa, 0xbb}, UUID: DeriveUUID("x")}
	sb := superblock(p, 0x0102030405)
	want := "76657269747900000100000001000000" + hex.EncodeToString(p.UUID[:]) +
		"7368613235360000000000000000000000000000000000000000000000000000" +
		"00100000" + "00100000" + "0504030201000000" + "0200" + "000000000000" + "aabb"
	if got := hex.EncodeToString(sb[:90]); got != want {
		t.Errorf("superblock\n got %s\nwant %s", got, want)
	}
	if len(sb) != 512 || !bytes.Equal(sb[90:], make([]byte, 512-90)) {
		t.Errorf("superblock is %d bytes or has stray bytes after the salt", len(sb))
	}
}

func TestDerive(t *testing.T) {
	if s := DeriveSalt("a"); len(s) != 32 || bytes.Equal(s, DeriveSalt("b")) || !bytes.Equal(s, DeriveSalt("a")) {
		t.Errorf("DeriveSalt: %x", s)
	}
	u := DeriveUUID("test-image")
	if got := FormatUUID(u); got != "21957439-3816-804f-9136-4c4694c1c5d2" {
		t.Errorf("DeriveUUID(test-image) = %s", got)
	}
	if u[6]>>4 != 8 || u[8]>>6 != 2 || u == DeriveUUID("other") {
		t.Errorf("DeriveUUID: not a version 8, variant 10 UUID, or not distinct: %x", u)
	}
}

type failingReader struct{ at int64 }

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.at {
		return 0, errors.New("disk on fire")
	}
	return len(p), nil
}

type failingWriter struct{}

func (failingWriter) WriteAt([]byte, int64) (int, error) { return 0, errors.New("disk full") }

func TestErrors(t *testing.T) {
	data := bytes.NewReader(make([]byte, 8192))
	for _, c := range []struct {
		name string
		data io.ReaderAt
		size int64
		w    io.WriterAt
		p    Params
		want string
	}{
		{"empty", data, 0, &memFile{}, Params{}, "not a positive multiple"},
		{"partial block", data, 5000, &memFile{}, Params{}, "not a positive multiple"},
		{"data block size", data, 8192, &memFile{}, Params{DataBlockSize: 3000}, "data block size 3000"},
		{"hash block size", data, 8192, &memFile{}, Params{HashBlockSize: 256}, "hash block size 256"},
		{"salt", data, 8192, &memFile{}, Params{Salt: make([]byte, 257)}, "salt is 257 bytes"},
		{"uuid", data, 8192, &memFile{}, Params{Superblock: true}, "needs a UUID"},
		{"short data", data, 16384, &memFile{}, Params{}, "unexpected EOF"},
		{"short data, one block", bytes.NewReader(nil), 4096, &memFile{}, Params{}, "unexpected EOF"},
		{"read error", failingReader{at: 3 << 20}, 4 << 20, &memFile{}, Params{Workers: 2}, "disk on fire"},
		{"write error", data, 8192, failingWriter{}, Params{}, "disk full"},
	} {
		if _, _, err := Create(c.data, c.size, c.w, c.p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func BenchmarkCreate64MiB(b *testing.B) {
	data := testData(goldenSeed, 16384)
	for _, workers := range []int{1, 0} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			p := Params{Salt: DeriveSalt("bench"), Workers: workers}
			out := &memFile{}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				out.b = out.b[:0]
				if _, _, err := Create(bytes.NewReader(data), int64(len(data)), out, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
