package assemble

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kitbash-dev/kitbash/builder/image/initramfs"
)

// Modules the initramfs stage of the agents' init loads (agents/internal/initramfs
// DefaultConfig): the block devices, dm-verity, erofs and ext4.
var (
	initrdModules  = []string{"virtio_pci", "virtio_blk", "dm-verity", "erofs", "ext4"}
	initrdOptional = []string{"nvme", "sha256-ssse3", "virtio-rng", "virtio_net"}
)

// makeInitrd writes the gzip-compressed initramfs: init, the modules of release from
// modulesDir, and the files under toolsDir (mkfs.ext4 and its libraries).
func makeInitrd(out string, initBin []byte, release, modulesDir, toolsDir string) error {
	extra, err := treeEntries(toolsDir)
	if err != nil {
		return fmt.Errorf("initramfs tools: %w", err)
	}
	entries, err := initramfs.Build(initramfs.Spec{
		Init: initBin, KernelRelease: release, ModulesDir: modulesDir,
		Modules: initrdModules, Optional: initrdOptional, Extra: extra,
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := initramfs.Gzip(&buf, gzip.BestCompression)
	if err := initramfs.WriteCPIO(zw, entries); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// treeEntries turns the regular files and directories under dir into initramfs
// entries at the same paths; files keep their executable bit.
func treeEntries(dir string) ([]initramfs.Entry, error) {
	var out []initramfs.Entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			out = append(out, initramfs.Entry{Path: "/" + filepath.ToSlash(rel), Mode: fs.ModeDir | 0o755})
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			mode := fs.FileMode(0o644)
			if info.Mode()&0o111 != 0 {
				mode = 0o755
			}
			out = append(out, initramfs.Entry{Path: "/" + filepath.ToSlash(rel), Mode: mode, Data: b})
		default:
			return fmt.Errorf("%s: only files and directories are allowed", p)
		}
		return nil
	})
	return out, err
}
