package testsys

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/testsys/control"
)

// verityRE is the kernel's report of a corrupted data block.
var verityRE = regexp.MustCompile(`device-mapper: verity: .*data block (\d+) is corrupted`)

// rootPartition is the partition verity-tamper corrupts.
const rootPartition = "ROOT-A"

// verityWait bounds the wait for the corruption message after the read failed.
const verityWait = 60 * time.Second

// tamperSuite flips one byte of the target file's data in ROOT-A of a fresh copy,
// boots it and reads the file: the guest must never return the altered data.
func (r *runner) tamperSuite(ctx context.Context, t *tamperTarget, probeErr error) {
	var g *guest
	defer func() { g.stop() }()
	r.check(SuiteVerityTamper, "read-fails", nil, probeErr, func(c *Case) error {
		part, ok := r.im.Partition(rootPartition)
		if !ok {
			return fmt.Errorf("image.json has no %s partition", rootPartition)
		}
		length := part.Used
		if length == 0 {
			length = part.Size
		}
		f, err := os.Open(r.disk)
		if err != nil {
			return err
		}
		hits, err := findBlocks(f, part.Offset, length, t.blocks)
		f.Close()
		if err != nil {
			return fmt.Errorf("search %s: %w", rootPartition, err)
		}
		block, rel := int64(-1), int64(0)
		for _, i := range t.order {
			if len(hits[i]) == 1 {
				block, rel = i, hits[i][0]
				break
			}
		}
		if block < 0 {
			var counts []string
			for _, i := range t.order {
				counts = append(counts, fmt.Sprintf("block %d: %d", i, len(hits[i])))
			}
			return fmt.Errorf("no block of %s occurs exactly once at a %d-byte boundary in %s (%s); is the erofs image compressed?",
				t.path, blockSize, rootPartition, strings.Join(counts, ", "))
		}
		disk := filepath.Join(r.work, "tamper.img")
		r.logf("copying %s to %s", r.disk, disk)
		if err := CopyDisk(disk, r.disk); err != nil {
			return err
		}
		defer os.Remove(disk)
		at := part.Offset + rel + blockSize/2
		before, after, err := flipByte(disk, at)
		if err != nil {
			return fmt.Errorf("tamper: %w", err)
		}
		c.Notes = append(c.Notes, fmt.Sprintf("flipped the byte at disk offset %d (0x%02x→0x%02x): %s offset %d, verity data block %d, block %d of %s (%d bytes, sha256 %s)",
			at, before, after, rootPartition, rel+blockSize/2, rel/blockSize, block, t.path, t.size, t.digest))

		g, err = r.boot(ctx, "verity-tamper", disk)
		if err == nil {
			err = r.readTampered(ctx, g, t, c)
		} else {
			err = fmt.Errorf("the tampered copy did not come up (the block is not meant to be read at boot): %w", err)
		}
		if err != nil {
			c.Console = g.tail()
		}
		return err
	})
}

// readTampered hashes the target file in the tampered guest and judges the outcome.
func (r *runner) readTampered(ctx context.Context, g *guest, t *tamperTarget, c *Case) error {
	res, err := g.exec(ctx, []string{"/usr/bin/sha256sum", t.path}, "")
	switch {
	case errors.Is(err, control.ErrClosed):
		c.Notes = append(c.Notes, "the guest went away while reading the file")
	case err != nil:
		return fmt.Errorf("sha256sum %s in the tampered guest: %w", t.path, err)
	case res.Err() != nil:
		c.Notes = append(c.Notes, fmt.Sprintf("sha256sum failed: %v", res.Err()))
	default:
		f := strings.Fields(res.Stdout)
		if len(f) > 0 && f[0] == t.digest {
			return fmt.Errorf("sha256sum %s succeeded with the original digest: the flipped byte was never read (the tamper missed)", t.path)
		}
		return fmt.Errorf("the guest returned altered data: sha256sum %s = %s, the original is %s", t.path, strings.TrimSpace(res.Stdout), t.digest)
	}
	wctx, cancel := context.WithTimeout(ctx, verityWait)
	defer cancel()
	line, _, err := g.m.WaitFor(wctx, verityRE)
	if err != nil {
		return fmt.Errorf("reading %s failed, but the console shows no verity corruption message: %w", t.path, err)
	}
	c.Notes = append(c.Notes, "console: "+line)
	return nil
}
