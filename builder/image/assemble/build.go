package assemble

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/builder/attest"
	"github.com/kitbash-dev/kitbash/builder/image/boot"
	"github.com/kitbash-dev/kitbash/builder/image/gpt"
	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
	"github.com/kitbash-dev/kitbash/builder/image/verity"
	"github.com/kitbash-dev/kitbash/builder/kit"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/variant"
	"github.com/kitbash-dev/kitbash/builder/variant/rootfs"
)

// modulesDir is where the kernel package installs its modules (/lib links to usr/lib).
const modulesDir = "usr/lib/modules"

// OSName names the boot entries ("kitbash-a.conf") and is their sort-key.
const OSName = "kitbash"

// Build assembles the image of in into outDir (build/images/<variant>/<version>),
// replacing what was there only once everything is written, and records its inputs
// and outputs in StampFile for Current.
func Build(ctx context.Context, in Input, outDir string, opts ...Option) (*imageinfo.Image, error) {
	cfg := config{log: io.Discard}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.runner == nil {
		return nil, fmt.Errorf("assemble: no runner for the SDK steps")
	}
	v := in.Variant
	if v == nil || in.Version == "" || len(in.Packages) == 0 {
		return nil, fmt.Errorf("assemble: need a variant, a version and packages")
	}
	work := cfg.workDir
	if work == "" {
		d, err := os.MkdirTemp("", "kitbash-image-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		work = d
	}
	inputs, err := inputsDigest(in, cfg)
	if err != nil {
		return nil, err
	}
	b := &builder{cfg: cfg, in: in, work: work, layout: v.Layout.WithDefaults()}
	tmpOut := outDir + ".partial"
	if err := os.RemoveAll(tmpOut); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(tmpOut, 0o755); err != nil {
		return nil, err
	}
	im, err := b.build(ctx, tmpOut)
	if err == nil {
		err = writeStamp(tmpOut, inputs)
	}
	if err != nil {
		os.RemoveAll(tmpOut)
		return nil, fmt.Errorf("image %s %s: %w", v.Name, in.Version, err)
	}
	if err := os.RemoveAll(outDir); err != nil {
		return nil, err
	}
	if err := os.Rename(tmpOut, outDir); err != nil {
		return nil, err
	}
	return im, nil
}

type builder struct {
	cfg    config
	in     Input
	work   string
	layout variant.Layout
}

func (b *builder) logf(format string, a ...any) { fmt.Fprintf(b.cfg.log, "image: "+format+"\n", a...) }

func (b *builder) dir(name string) (string, error) {
	d := filepath.Join(b.work, name)
	if err := os.RemoveAll(d); err != nil {
		return "", err
	}
	return d, os.MkdirAll(d, 0o755)
}

func (b *builder) build(ctx context.Context, out string) (*imageinfo.Image, error) {
	v, in := b.in.Variant, b.in
	start := time.Now()
	id, err := buildID(in)
	if err != nil {
		return nil, err
	}
	// 1. root file system
	rootfsDir, err := b.dir("rootfs")
	if err != nil {
		return nil, err
	}
	rfs, err := b.rootfs(filepath.Join(rootfsDir, "rootfs.tar"), id)
	if err != nil {
		return nil, err
	}
	ids := deriveIDs(v.Name, in.Version, rfs.Digest)
	b.logf("root file system %s: %d entries, %d bytes (%s)", rfs.Digest, rfs.Entries, rfs.Size, time.Since(start).Round(time.Millisecond))

	// 2. erofs, PRIVATE and the initramfs tools, in the SDK
	stepRoot, err := b.dir("step-root")
	if err != nil {
		return nil, err
	}
	script, env := rootStep(ids, int64(b.layout.PrivateSize))
	if err := b.cfg.runner.Run(ctx, "image "+v.Name+": erofs root and PRIVATE", script, env, map[string]string{"rootfs": rootfsDir}, stepRoot); err != nil {
		return nil, err
	}
	rootImg := filepath.Join(stepRoot, "root.erofs")
	st, err := os.Stat(rootImg)
	if err != nil {
		return nil, fmt.Errorf("the erofs step wrote no root.erofs: %w", err)
	}
	if st.Size() > int64(b.layout.RootSize) {
		return nil, fmt.Errorf("the root file system is %d MiB, more than layout.root-size %s in %s/%s/%s: raise root-size",
			st.Size()>>20, b.layout.RootSize, variant.Dir, v.Name, variant.File)
	}

	// 3. verity
	hashImg := filepath.Join(b.work, "hash.img")
	vp := verity.Params{Salt: ids.salt, Superblock: true, UUID: verity.DeriveUUID(ids.image + "/hash")}
	t0 := time.Now()
	rootHash, err := verity.CreateFiles(rootImg, hashImg, vp)
	if err != nil {
		return nil, err
	}
	dataBlocks := st.Size() / verity.DefaultBlockSize
	b.logf("verity: %d blocks, root hash %x (%s)", dataBlocks, rootHash, time.Since(t0).Round(time.Millisecond))

	// 4. disk plan, kernel, initramfs, boot entry
	table, err := plan(b.layout, ids.disk)
	if err != nil {
		return nil, fmt.Errorf("%s/%s/%s: layout: %w", variant.Dir, v.Name, variant.File, err)
	}
	espDir, err := b.dir("esp")
	if err != nil {
		return nil, err
	}
	vmlinuz, initrd := filepath.Join(espDir, "a", "vmlinuz"), filepath.Join(espDir, "a", "initrd")
	if err := b.kernelAndInitrd(filepath.Join(stepRoot, "initramfs"), vmlinuz, initrd); err != nil {
		return nil, err
	}
	bc := boot.Config{OSName: OSName, Parameters: v.Kernel.Parameters}
	slotA := boot.Slot{
		Name: "a", Version: in.Version,
		Root: partition(table, PartRootA).GUID, Hash: partition(table, PartHashA).GUID,
		Private: partition(table, PartPrivate).GUID, Data: partition(table, PartData).GUID,
		RootHash: rootHash, Salt: ids.salt, DataBlocks: dataBlocks,
	}
	if err := boot.Validate(bc, slotA); err != nil {
		return nil, err
	}
	entryName, entry := boot.Entry(bc, slotA)
	if err := writeFile(filepath.Join(espDir, "loader", "loader.conf"), boot.LoaderConf(bc)); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(espDir, "loader", "entries", entryName), entry); err != nil {
		return nil, err
	}

	// 5. ESP, in the SDK
	stepESP, err := b.dir("step-esp")
	if err != nil {
		return nil, err
	}
	script, env = espStep(ids, int64(b.layout.ESPSize))
	if err := b.cfg.runner.Run(ctx, "image "+v.Name+": ESP", script, env, map[string]string{"esp": espDir}, stepESP); err != nil {
		return nil, err
	}

	// 6. the disk
	diskName := fmt.Sprintf("%s-%s.img", v.Name, in.Version)
	privImg := filepath.Join(stepRoot, "private.img")
	contents := map[string]string{PartESP: filepath.Join(stepESP, "esp.img"), PartRootA: rootImg, PartHashA: hashImg, PartPrivate: privImg}
	t0 = time.Now()
	if err := writeDisk(filepath.Join(out, diskName), table, contents); err != nil {
		return nil, err
	}
	b.logf("disk %s: %d MiB (%s)", diskName, table.SizeBytes>>20, time.Since(t0).Round(time.Millisecond))

	// 7. update images, SBOM, description, sums
	im := &imageinfo.Image{
		Schema: imageinfo.Schema, Variant: v.Name, Version: in.Version, Arch: "x86_64", BuildID: id,
		Disk: diskName, DiskSize: table.SizeBytes, DiskGUID: gpt.GUIDString(table.DiskGUID),
		Updates: map[string]imageinfo.File{},
	}
	used := map[string]string{PartESP: contents[PartESP], PartRootA: rootImg, PartHashA: hashImg, PartPrivate: privImg}
	for _, p := range table.Partitions {
		ip := imageinfo.Partition{Name: p.Name, Type: gpt.GUIDString(p.Type), GUID: gpt.GUIDString(p.GUID),
			Offset: int64(p.StartLBA) * gpt.SectorSize, Size: partSize(p)}
		if f, ok := used[p.Name]; ok {
			if fi, err := os.Stat(f); err == nil {
				ip.Used = fi.Size()
			}
		}
		im.Partitions = append(im.Partitions, ip)
	}
	im.Slots = []imageinfo.Slot{{Name: "a", Filled: true, Entry: entryName, Cmdline: boot.Cmdline(bc, slotA),
		RootHash: hex.EncodeToString(rootHash), Salt: hex.EncodeToString(ids.salt), DataBlocks: dataBlocks}}
	if *b.layout.Updates {
		im.Slots = append(im.Slots, imageinfo.Slot{Name: "b"})
	}
	bootTarPath := filepath.Join(b.work, "boot.tar")
	meta := BootImage{Version: in.Version, Parameters: v.Kernel.Parameters, RootHash: hex.EncodeToString(rootHash),
		Salt: hex.EncodeToString(ids.salt), DataBlocks: dataBlocks}
	if meta.Parameters == nil {
		meta.Parameters = []string{}
	}
	if err := bootTar(bootTarPath, vmlinuz, initrd, meta, b.cfg.epoch); err != nil {
		return nil, err
	}
	var files []imageinfo.File
	for _, u := range []struct{ kind, src string }{{"root", rootImg}, {"hash", hashImg}, {"boot", bootTarPath}} {
		name := fmt.Sprintf("%s-%s-%s.zst", v.Name, in.Version, u.kind)
		if err := compress(filepath.Join(out, name), u.src); err != nil {
			return nil, err
		}
		fi, err := fileInfo(out, name)
		if err != nil {
			return nil, err
		}
		im.Updates[u.kind] = fi
		files = append(files, fi)
	}
	for _, m := range variant.MigrationsUpTo(b.in.Migrations, in.Version) {
		name := fmt.Sprintf("%s-%s-migration.json", v.Name, m.Version)
		if err := writeFile(filepath.Join(out, name), m.Data); err != nil {
			return nil, err
		}
		fi, err := fileInfo(out, name)
		if err != nil {
			return nil, err
		}
		if im.Migrations == nil {
			im.Migrations = map[string]imageinfo.File{}
		}
		im.Migrations[m.Version] = fi
		files = append(files, fi)
	}
	if b.cfg.qcow2 || hasFormat(v.Formats, variant.FormatQCOW2) {
		im.QCOW2 = strings.TrimSuffix(diskName, ".img") + ".qcow2"
		script, env := qcow2Step(diskName, im.QCOW2)
		stepQ, err := b.dir("step-qcow2")
		if err != nil {
			return nil, err
		}
		if err := b.cfg.runner.Run(ctx, "image "+v.Name+": qcow2", script, env, map[string]string{"disk": out}, stepQ); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(stepQ, im.QCOW2), filepath.Join(out, im.QCOW2)); err != nil {
			return nil, err
		}
	}
	sbom, err := b.sbom(rfs.Digest)
	if err != nil {
		return nil, err
	}
	im.SBOM = fmt.Sprintf("%s-%s.spdx.json", v.Name, in.Version)
	if err := writeFile(filepath.Join(out, im.SBOM), sbom); err != nil {
		return nil, err
	}
	for _, p := range in.Packages {
		im.Packages = append(im.Packages, fmt.Sprintf("%s %s-%d", p.Manifest.Name, p.Manifest.Version, p.Manifest.Release))
	}
	sort.Strings(im.Packages)
	desc, err := im.Marshal()
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(out, imageinfo.FileName), desc); err != nil {
		return nil, err
	}
	for _, name := range []string{diskName, im.QCOW2, im.SBOM, imageinfo.FileName} {
		if name == "" {
			continue
		}
		fi, err := fileInfo(out, name)
		if err != nil {
			return nil, err
		}
		files = append(files, fi)
	}
	if err := writeSums(out, files); err != nil {
		return nil, err
	}
	b.logf("done in %s", time.Since(start).Round(time.Millisecond))
	return im, nil
}

// rootfs assembles the root file system tar at dst.
func (b *builder) rootfs(dst, id string) (rootfs.Result, error) {
	extras, err := extraFiles(b.in.Variant, b.in.Version, id, b.in.UpdateRoot, b.in.Migrations)
	if err != nil {
		return rootfs.Result{}, err
	}
	var pkgs []rootfs.Package
	for _, p := range b.in.Packages {
		pkgs = append(pkgs, rootfs.Package{Name: p.Manifest.Name, Tar: p.Tar})
	}
	f, err := os.Create(dst)
	if err != nil {
		return rootfs.Result{}, err
	}
	defer f.Close()
	res, err := rootfs.Assemble(pkgs, f, rootfs.WithEpoch(b.cfg.epoch), rootfs.WithFiles(extras...))
	if err != nil {
		return rootfs.Result{}, err
	}
	return res, f.Close()
}

// kernelAndInitrd writes the kernel package's vmlinuz to vmlinuz and the initramfs (the
// agents' init, the kernel's boot modules, the tools in toolsDir) to initrd.
func (b *builder) kernelAndInitrd(toolsDir, vmlinuz, initrd string) error {
	kname := b.in.Variant.Kernel.Package
	var kernel, initPkg *Package
	for i, p := range b.in.Packages {
		if p.Manifest.Name == kname {
			kernel = &b.in.Packages[i]
		}
	}
	if kernel == nil {
		return fmt.Errorf("kernel package %q is not among the image's packages", kname)
	}
	kdir, err := b.dir("kernel")
	if err != nil {
		return err
	}
	const relFile = "usr/share/kitbash/kernel-release"
	if _, err := extract(kernel.Tar, kdir, []string{"boot/vmlinuz", relFile}, []string{modulesDir + "/"}); err != nil {
		return fmt.Errorf("kernel package %s: %w", kname, err)
	}
	rel, err := os.ReadFile(filepath.Join(kdir, relFile))
	if err != nil {
		return err
	}
	release := strings.TrimSpace(string(rel))
	idir, err := b.dir("init")
	if err != nil {
		return err
	}
	for i, p := range b.in.Packages {
		if _, err := extract(p.Tar, idir, []string{"usr/bin/init"}, nil); err == nil {
			initPkg = &b.in.Packages[i]
			break
		}
	}
	if initPkg == nil {
		return fmt.Errorf("no package of the image installs /usr/bin/init; add agents to the variant's packages")
	}
	initBin, err := os.ReadFile(filepath.Join(idir, "usr/bin/init"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(vmlinuz), 0o755); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(kdir, "boot/vmlinuz"), vmlinuz); err != nil {
		return err
	}
	return makeInitrd(initrd, initBin, release, filepath.Join(kdir, modulesDir, release), toolsDir)
}

// sbom is the image's SPDX document: its packages, named after the image.
func (b *builder) sbom(rootfsDigest string) ([]byte, error) {
	var mans []pkg.Manifest
	for _, p := range b.in.Packages {
		mans = append(mans, p.Manifest)
	}
	sort.Slice(mans, func(i, j int) bool { return mans[i].Name < mans[j].Name })
	return attest.SPDX(attest.SBOMInput{
		Kit: kit.Config{SchemaVersion: 1, Name: "image-" + b.in.Variant.Name, Version: b.in.Version, Arch: "x86_64",
			Created: b.cfg.epoch.Format(time.RFC3339), SDK: b.in.SDK, Packages: mans},
		Digest: rootfsDigest,
	})
}

func hasFormat(fs []variant.Format, f variant.Format) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
