package updater

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
	"github.com/kitbash-dev/kitbash/agents/internal/migrate"
)

// BootImage is boot.json in the boot update image (builder/image/assemble.BootImage):
// what the updater needs, with the slot's partition GUIDs, to write its entry.
type BootImage struct {
	Version    string   `json:"version"`
	Parameters []string `json:"parameters"`
	RootHash   string   `json:"rootHash"`
	Salt       string   `json:"salt"`
	DataBlocks int64    `json:"dataBlocks"`
}

// The boot image's members.
const (
	bootJSON     = "boot.json"
	bootKernel   = "vmlinuz"
	bootInitrd   = "initrd"
	maxBootJSON  = 1 << 20
	tempSuffix   = ".new"
	progressStep = 8 << 20 // report every this many bytes written
)

// ErrTooLarge is returned (wrapped) when an image does not fit its partition.
var ErrTooLarge = errors.New("image larger than its partition")

// bootConfig is the boot configuration every Kitbash entry uses (builder/image/assemble
// sets OSName "kitbash" and no sort-key, so the sort-key is "kitbash").
func bootConfig(params []string) BootConfig {
	return BootConfig{OSName: bootslot.OSName, Parameters: params}
}

// Apply writes the update ch chose into the inactive slot and makes systemd-boot boot
// it next, once (bootslot.SetNext with one try). In order:
//
//  1. checks: the booted and inactive slots, the
//     inactive slot's ROOT and HASH partitions with device nodes (not the running
//     root), and the images' targets in the repository;
//  2. bootslot.ClearInactive: from here on the inactive slot has no entry and is not
//     bootable;
//  3. root: the root target, zstd-decoded, onto ROOT-<S>; hash: the hash target onto
//     HASH-<S>; each refused when larger than its partition, and fsynced;
//  4. boot: the boot target, zstd-decoded, untarred: vmlinuz and initrd to
//     <ESP>/<s>/ under temporary names (fsynced), boot.json read; once the download
//     verified, the two are renamed into place;
//  5. migrations: the migration targets staged in <PrivateDir>/migrations/<version>/
//     as <their version>.json, with the move they are for (migrate.StagedInfoFile);
//  6. the entry for slot s (Entry, with boot.json and the GPT's GUIDs), written by
//     bootslot.SetNext with one try.
//
// The repository verifies each target's length and hashes when its download ends;
// SetNext runs only after every download verified. On any failure, or when ctx is
// cancelled, Apply clears the inactive slot again (removing the kernel and initramfs
// it wrote) and returns an error naming the step; the slot stays unbootable.
func (u *Updater) Apply(ctx context.Context, ch Choice) (*Result, error) {
	start := time.Now()
	up := ch.Update
	if up == nil {
		return nil, errors.New("apply: no update chosen")
	}
	if u.Repo == nil || u.Machine.Host == nil {
		return nil, errors.New("apply: no repository or machine")
	}
	p, err := u.plan(up)
	if err != nil {
		return nil, fmt.Errorf("apply %s: %w", up.Version, err)
	}
	res := &Result{Slot: p.slot, Version: up.Version, Written: map[string]int64{}, Migrations: ch.Migrations, Steps: map[string]time.Duration{}}
	mark := time.Now()
	stepDone := func(step string) {
		now := time.Now()
		res.Steps[step] += now.Sub(mark)
		mark = now
	}

	u.report(Progress{Step: "clear"})
	if _, err := bootslot.ClearInactive(u.Machine.Host); err != nil {
		return nil, fmt.Errorf("apply %s: clear slot %s: %w", up.Version, p.slot, err)
	}
	u.report(Progress{Step: "clear", Done: true})
	stepDone("clear")

	var temps []string
	fail := func(step string, err error) (*Result, error) {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		err = fmt.Errorf("apply %s: %s: %w", up.Version, step, err)
		for _, t := range temps {
			if rerr := os.Remove(t); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				err = errors.Join(err, fmt.Errorf("remove %s: %w", t, rerr))
			}
		}
		if _, cerr := bootslot.ClearInactive(u.Machine.Host); cerr != nil {
			err = errors.Join(err, fmt.Errorf("clear slot %s again: %w", p.slot, cerr))
		}
		return nil, err
	}

	for _, img := range []struct {
		step, target string
		part         bootslot.Partition
	}{{"root", up.Images.Root, p.root}, {"hash", up.Images.Hash, p.hash}} {
		n, err := u.writeImage(ctx, img.step, img.target, p.lengths[img.target], img.part)
		if err != nil {
			return fail(fmt.Sprintf("%s (%s to %s %s)", img.step, img.target, img.part.Name, img.part.Dev), err)
		}
		res.Written[img.step] = n
		stepDone(img.step)
	}

	dir := filepath.Join(u.Machine.Host.ESPDir(), p.slot)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail("boot", err)
	}
	meta, sizes, err := u.extractBoot(ctx, up.Images.Boot, p.lengths[up.Images.Boot], dir, &temps)
	if err != nil {
		return fail(fmt.Sprintf("boot (%s)", up.Images.Boot), err)
	}
	if meta.Version != up.Version {
		return fail("boot", fmt.Errorf("%s says version %q, the update is %s", bootJSON, meta.Version, up.Version))
	}
	slot := BootSlot{Name: p.slot, Version: up.Version, Root: p.root.UUID, Hash: p.hash.UUID,
		Private: p.private, Data: p.data, RootHash: meta.RootHash, Salt: meta.Salt, DataBlocks: meta.DataBlocks}
	bc := bootConfig(meta.Parameters)
	if err := ValidateBootSlot(bc, slot); err != nil {
		return fail("boot", err)
	}
	for _, name := range []string{bootKernel, bootInitrd} {
		if err := os.Rename(filepath.Join(dir, name+tempSuffix), filepath.Join(dir, name)); err != nil {
			return fail("boot", err)
		}
		res.Written[name] = sizes[name]
	}
	temps = nil
	if err := syncDir(dir); err != nil {
		return fail("boot", err)
	}
	stepDone("boot")

	if err := u.downloadMigrations(ctx, ch.Running, up.Version, ch.Migrations); err != nil {
		return fail("migrations", err)
	}
	stepDone("migrations")

	if err := ctx.Err(); err != nil {
		return fail("set-next", err)
	}
	u.report(Progress{Step: "set-next"})
	name, err := bootslot.SetNext(u.Machine.Host, bootslot.NextSpec{Body: Entry(bc, slot), Version: up.Version, Tries: 1})
	if err != nil {
		return fail("set-next", err)
	}
	res.Entry = name
	stepDone("set-next")
	res.Duration = time.Since(start)
	u.report(Progress{Step: "done", Done: true})
	return res, nil
}

// plan is what Apply found before changing anything.
type plan struct {
	slot          string
	root, hash    bootslot.Partition
	private, data string
	lengths       map[string]int64
}

func (u *Updater) plan(up *Update) (*plan, error) {
	for _, t := range []struct{ kind, name string }{{"root", up.Images.Root}, {"hash", up.Images.Hash}, {"boot", up.Images.Boot}} {
		if t.name == "" {
			return nil, fmt.Errorf("%s lists no %s image", ManifestName, t.kind)
		}
	}
	if _, err := migrate.ParseVersion(up.Version); err != nil {
		return nil, err
	}
	h := u.Machine.Host
	st, err := bootslot.Load(h)
	if err != nil {
		return nil, err
	}
	if st.Booted == "" {
		return nil, fmt.Errorf("the booted slot is not known (%s)", strings.Join(st.Warnings, "; "))
	}
	p := &plan{slot: bootslot.Other(st.Booted), lengths: map[string]int64{}}
	parts, err := h.Partitions()
	if err != nil {
		return nil, err
	}
	S := strings.ToUpper(p.slot)
	byName := map[string]bootslot.Partition{}
	for _, q := range parts {
		if _, dup := byName[q.Name]; dup {
			return nil, fmt.Errorf("the boot disk has two partitions named %q", q.Name)
		}
		byName[q.Name] = q
	}
	var ok bool
	for _, x := range []struct {
		dst  *bootslot.Partition
		name string
	}{{&p.root, "ROOT-" + S}, {&p.hash, "HASH-" + S}} {
		if *x.dst, ok = byName[x.name]; !ok {
			return nil, fmt.Errorf("the boot disk has no partition %s", x.name)
		}
		if x.dst.Dev == "" {
			return nil, fmt.Errorf("partition %s has no device node", x.name)
		}
		if st.Root != "" && x.dst.UUID == st.Root {
			return nil, fmt.Errorf("partition %s (%s) is the running root", x.name, x.dst.UUID)
		}
	}
	p.private, p.data = byName["PRIVATE"].UUID, byName["DATA"].UUID
	for _, name := range []string{up.Images.Root, up.Images.Hash, up.Images.Boot} {
		n, err := u.Repo.TargetLength(name)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", name, err)
		}
		p.lengths[name] = n
	}
	return p, nil
}

// tracker counts a target's bytes, downloaded (from the download's goroutine) and
// written (from Apply's), and reports progress from Apply's goroutine.
type tracker struct {
	u            *Updater
	step, target string
	length       int64
	downloaded   atomic.Int64
	written      int64
	next         int64
}

func (t *tracker) progress(done bool) Progress {
	return Progress{Step: t.step, Target: t.target, Written: t.written, Downloaded: t.downloaded.Load(), Length: t.length, Done: done}
}

// add counts n bytes written and reports every progressStep bytes.
func (t *tracker) add(n int64) {
	t.written += n
	if t.written >= t.next {
		t.next = t.written + progressStep
		t.u.report(t.progress(false))
	}
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// stream downloads the target, zstd-decodes it and hands the decoded stream to
// consume, which must read it to its end. It returns nil only when consume succeeded,
// the decoded stream ended cleanly and the download verified.
func (u *Updater) stream(ctx context.Context, step, target string, length int64, consume func(io.Reader, *tracker) error) error {
	t := &tracker{u: u, step: step, target: target, length: length}
	u.report(t.progress(false))
	t.next = progressStep
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := u.Repo.Download(ctx, target, countingWriter{pw, &t.downloaded})
		if err == nil {
			err = ctx.Err()
		}
		pw.CloseWithError(err) // nil: the reader sees EOF
		done <- err
	}()
	cerr := func() error {
		dec, err := zstd.NewReader(pr, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return err
		}
		defer dec.Close()
		if err := consume(dec, t); err != nil {
			return err
		}
		// The frames end and their checksums are checked only at the end of the
		// stream: read it to its end (a tar leaves its padding).
		if _, err := io.Copy(io.Discard, dec); err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		return nil
	}()
	if cerr != nil {
		pr.CloseWithError(cerr) // ends the download: its next write fails with cerr
	}
	derr := <-done
	switch {
	case derr != nil && (cerr == nil || errors.Is(cerr, derr) || !errors.Is(derr, cerr)):
		// The download failed on its own (and the decoder may have seen its error).
		return fmt.Errorf("download: %w", derr)
	case cerr != nil:
		// Decoding or writing failed, which ended the download.
		return cerr
	}
	u.report(t.progress(true))
	return nil
}

// writeImage streams a zstd-compressed target onto a partition's device, refusing
// more bytes than the partition holds, and fsyncs it. It returns the bytes written.
func (u *Updater) writeImage(ctx context.Context, step, target string, length int64, part bootslot.Partition) (int64, error) {
	open := u.Machine.OpenDevice
	if open == nil {
		open = OpenBlockDevice
	}
	dev, err := open(part.Dev)
	if err != nil {
		return 0, err
	}
	defer dev.Close()
	size, err := dev.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", part.Dev, err)
	}
	if _, err := dev.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	lw := &limitWriter{ctx: ctx, w: dev, max: size}
	err = u.stream(ctx, step, target, length, func(r io.Reader, t *tracker) error {
		lw.add = t.add
		bw := bufio.NewWriterSize(lw, 1<<20)
		if _, err := io.Copy(bw, r); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return lw.n, err
	}
	if err := dev.Sync(); err != nil {
		return lw.n, fmt.Errorf("fsync %s: %w", part.Dev, err)
	}
	if err := dev.Close(); err != nil {
		return lw.n, fmt.Errorf("close %s: %w", part.Dev, err)
	}
	return lw.n, nil
}

// extractBoot streams the boot image and writes its kernel and initramfs to
// dir/vmlinuz.new and dir/initrd.new (fsynced; added to temps), and returns boot.json
// and the files' sizes. The caller renames them once all is well.
func (u *Updater) extractBoot(ctx context.Context, target string, length int64, dir string, temps *[]string) (BootImage, map[string]int64, error) {
	var meta BootImage
	sizes := map[string]int64{}
	seen := map[string]bool{}
	err := u.stream(ctx, "boot", target, length, func(r io.Reader, t *tracker) error {
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("tar: %w", err)
			}
			name := path.Clean(strings.TrimPrefix(h.Name, "./"))
			if h.Typeflag != tar.TypeReg {
				return fmt.Errorf("tar: member %q is not a regular file", h.Name)
			}
			if seen[name] {
				return fmt.Errorf("tar: member %q twice", name)
			}
			seen[name] = true
			switch name {
			case bootJSON:
				if h.Size > maxBootJSON {
					return fmt.Errorf("%s: %d bytes, more than %d", bootJSON, h.Size, maxBootJSON)
				}
				b, err := io.ReadAll(io.LimitReader(tr, maxBootJSON))
				if err != nil {
					return fmt.Errorf("%s: %w", bootJSON, err)
				}
				if err := json.Unmarshal(b, &meta); err != nil {
					return fmt.Errorf("%s: %w", bootJSON, err)
				}
			case bootKernel, bootInitrd:
				tmp := filepath.Join(dir, name+tempSuffix)
				*temps = append(*temps, tmp)
				n, err := writeFileSync(ctx, tmp, tr, t.add)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				sizes[name] = n
			default:
				return fmt.Errorf("tar: unexpected member %q (want %s, %s, %s)", h.Name, bootJSON, bootKernel, bootInitrd)
			}
		}
		for _, want := range []string{bootJSON, bootKernel, bootInitrd} {
			if !seen[want] {
				return fmt.Errorf("tar: no %s", want)
			}
		}
		return nil
	})
	return meta, sizes, err
}

// downloadMigrations stages the migrations of the move from running to version in
// <PrivateDir>/migrations/<version>/, replacing what an earlier attempt left: each
// target as <its version>.json, then, last, migrate.StagedInfoFile naming the move
// (also when there are no files: it tells the migrator that nothing changed between
// the two versions, which it needs to go back from the newer one).
func (u *Updater) downloadMigrations(ctx context.Context, running, version string, names []string) error {
	if u.Machine.PrivateDir == "" {
		return errors.New("no PRIVATE directory")
	}
	dir := filepath.Join(u.Machine.PrivateDir, "migrations", version)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, name := range names {
		v, ok := MigrationVersion(u.Config, name)
		if !ok {
			return fmt.Errorf("migration target %q: want %s-%s-<version>%s", name, u.Config.Variant, u.Config.Arch, MigrationSuffix)
		}
		n, err := u.Repo.TargetLength(name)
		if err != nil {
			return fmt.Errorf("target %s: %w", name, err)
		}
		u.report(Progress{Step: "migrations", Target: name, Length: n})
		tmp := filepath.Join(dir, v+".json"+tempSuffix)
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		lw := &limitWriter{ctx: ctx, w: f, max: n}
		err = u.Repo.Download(ctx, name, lw)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, filepath.Join(dir, v+".json"))
		}
		if err != nil {
			os.Remove(tmp)
			return fmt.Errorf("%s: %w", name, err)
		}
		u.report(Progress{Step: "migrations", Target: name, Written: lw.n, Downloaded: lw.n, Length: n, Done: true})
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := migrate.WriteStagedInfo(dir, migrate.StagedInfo{From: running, To: version}); err != nil {
		return err
	}
	return syncDir(dir)
}

// writeFileSync writes r to a new file at p, fsyncs and closes it.
func writeFileSync(ctx context.Context, p string, r io.Reader, add func(int64)) (int64, error) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	lw := &limitWriter{ctx: ctx, w: f, max: -1, add: add}
	n, err := io.Copy(lw, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// limitWriter writes to w until ctx is done, refusing to go past max bytes (no limit
// when max < 0); add, when set, is told of every write.
type limitWriter struct {
	ctx context.Context
	w   io.Writer
	n   int64
	max int64
	add func(int64)
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if err := l.ctx.Err(); err != nil {
		return 0, err
	}
	if l.max >= 0 && l.n+int64(len(p)) > l.max {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, l.max)
	}
	n, err := l.w.Write(p)
	l.n += int64(n)
	if l.add != nil {
		l.add(int64(n))
	}
	return n, err
}

// syncDir fsyncs a directory, so that renames in it are on disk.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
