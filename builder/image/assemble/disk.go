package assemble

import (
	"fmt"
	"io"
	"os"

	"github.com/kitbash-dev/kitbash/builder/image/gpt"
	"github.com/kitbash-dev/kitbash/builder/image/verity"
	"github.com/kitbash-dev/kitbash/builder/variant"
)

// Partition names.
const (
	PartESP     = "ESP"
	PartRootA   = "ROOT-A"
	PartHashA   = "HASH-A"
	PartRootB   = "ROOT-B"
	PartHashB   = "HASH-B"
	PartPrivate = "PRIVATE"
	PartData    = "DATA"
)

const mib = 1 << 20

// plan lays out the disk of layout l (defaults applied): ESP, ROOT-A, HASH-A, ROOT-B and
// HASH-B when updates are on, PRIVATE, and DATA over the rest. Every GUID is derived from
// identity.
func plan(l variant.Layout, identity string) (gpt.Table, error) {
	hashSize, err := verity.HashSize(int64(l.RootSize), verity.Params{Superblock: true, UUID: [16]byte{1}})
	if err != nil {
		return gpt.Table{}, err
	}
	hashSize = (hashSize + mib - 1) / mib * mib
	specs := []gpt.Spec{
		{Name: PartESP, Type: gpt.TypeESP(), Size: int64(l.ESPSize)},
		{Name: PartRootA, Type: gpt.TypeRootAMD64(), Size: int64(l.RootSize)},
		{Name: PartHashA, Type: gpt.TypeRootVerityAMD64(), Size: hashSize},
	}
	if *l.Updates {
		specs = append(specs,
			gpt.Spec{Name: PartRootB, Type: gpt.TypeRootAMD64(), Size: int64(l.RootSize)},
			gpt.Spec{Name: PartHashB, Type: gpt.TypeRootVerityAMD64(), Size: hashSize})
	}
	specs = append(specs,
		gpt.Spec{Name: PartPrivate, Type: gpt.TypeLinux(), Size: int64(l.PrivateSize)},
		gpt.Spec{Name: PartData, Type: gpt.TypeLinux()})
	t, err := gpt.Plan(int64(l.DiskSize), specs)
	if err != nil {
		return gpt.Table{}, err
	}
	t.SetGUIDs(identity)
	return t, nil
}

func partition(t gpt.Table, name string) gpt.Partition {
	for _, p := range t.Partitions {
		if p.Name == name {
			return p
		}
	}
	return gpt.Partition{}
}

func partSize(p gpt.Partition) int64 { return int64(p.EndLBA-p.StartLBA+1) * gpt.SectorSize }

// writeDisk creates the sparse disk image at out with table t and the given partition
// contents (partition name → file), each of which must fit its partition.
func writeDisk(out string, t gpt.Table, contents map[string]string) error {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(t.SizeBytes); err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	if err := gpt.Write(f, t); err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	for _, p := range t.Partitions {
		src, ok := contents[p.Name]
		if !ok {
			continue
		}
		if err := copyInto(f, int64(p.StartLBA)*gpt.SectorSize, partSize(p), src); err != nil {
			return fmt.Errorf("disk: partition %s: %w", p.Name, err)
		}
	}
	return f.Close()
}

// copyInto writes the file src at off in w, skipping whole zero blocks so the disk stays
// sparse; src must not be larger than max.
func copyInto(w io.WriterAt, off, max int64, src string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := r.Stat()
	if err != nil {
		return err
	}
	if st.Size() > max {
		return fmt.Errorf("%s is %d bytes, the partition holds %d: make the partition larger in the variant's layout", src, st.Size(), max)
	}
	buf := make([]byte, mib)
	var pos int64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 && !allZero(buf[:n]) {
			if _, werr := w.WriteAt(buf[:n], off+pos); werr != nil {
				return werr
			}
		}
		pos += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
