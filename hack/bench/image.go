package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
	"github.com/kitbash-dev/kitbash/builder/image/initramfs"
	"github.com/kitbash-dev/kitbash/builder/image/verity"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/testsys/qemu"
)

// The variant and version the image rows use (make bench builds it first).
const benchVariant = "dev"

// verityGoal: kitbash's verity tree at least this many times faster than veritysetup's.
const verityGoal = 1.5

// bootGoal: boot to ready at most this many times the do-nothing init's boot.
const bootGoal = 1.3

func (b *bench) imageDir() (string, *imageinfo.Image, error) {
	l, err := project.Load(b.f.project)
	if err != nil {
		return "", nil, err
	}
	dir := imageinfo.Dir(b.f.project, benchVariant, l.Project.ReleaseVersion)
	im, err := imageinfo.Read(dir)
	return dir, im, err
}

// assembly: `kitbash build variant dev` with every package up to date and a changed
// variant each run (its motd setting), so the whole image pipeline runs: rootfs, the
// SDK's erofs/ext4/FAT steps (not answered from BuildKit's cache), verity, initramfs,
// GPT, update images, SBOM and sums. The baseline is the I/O floor of its outputs:
// copying the disk sparsely and hashing every output once.
func (b *bench) assembly(context.Context) (row, error) {
	const n = 3
	epoch, err := b.sourceDateEpoch()
	if err != nil {
		return row{}, err
	}
	proj, err := b.copyProject()
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(proj)
	vfile := filepath.Join(proj, "variants", benchVariant, "variant.yaml")
	spec, err := os.ReadFile(vfile)
	if err != nil {
		return row{}, err
	}
	args := []string{"--state-dir", b.state, "--buildkitd", b.f.buildkitd, "-C", proj, "--progress", "quiet"}
	if b.f.cacheDir != "" {
		args = append(args, "--cache-dir", b.f.cacheDir)
	}
	run := 0
	build := func() error {
		run++
		changed := bytes.Replace(spec, []byte("motd: Welcome to Kitbash"), []byte(fmt.Sprintf("motd: bench run %d", run)), 1)
		if bytes.Equal(changed, spec) {
			return fmt.Errorf("%s has no motd setting to change", vfile)
		}
		if err := os.WriteFile(vfile, changed, 0o644); err != nil {
			return err
		}
		cmd := exec.Command(b.f.kitbash, append(args, "build", "variant", benchVariant)...)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+epoch)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("kitbash build variant: %v\n%s", err, out)
		}
		return nil
	}
	fmt.Fprintln(os.Stderr, "bench: building the dev image (packages and kits up to date, the variant changed each run)")
	if err := build(); err != nil {
		return row{}, err
	}
	kb, err := timeIt(n, build)
	if err != nil {
		return row{}, err
	}
	l, err := project.Load(proj)
	if err != nil {
		return row{}, err
	}
	dir := imageinfo.Dir(proj, benchVariant, l.Project.ReleaseVersion)
	im, err := imageinfo.Read(dir)
	if err != nil {
		return row{}, err
	}
	tmp, err := os.MkdirTemp("", "kb-bench-img-")
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(tmp)
	base, err := timeIt(n, func() error {
		if out, err := exec.Command("cp", "--sparse=always", filepath.Join(dir, im.Disk), filepath.Join(tmp, "disk.img")).CombinedOutput(); err != nil {
			return fmt.Errorf("cp: %v %s", err, out)
		}
		cmd := exec.Command("sha256sum", "--check", "--quiet", "SHA256SUMS")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("sha256sum: %v %s", err, out)
		}
		return nil
	})
	if err != nil {
		return row{}, err
	}
	return row{Name: "assemble the dev image from cached packages (variant changed), CLI", Kitbash: median(kb), BaselineName: "copy its disk + hash its outputs", Baseline: median(base), Runs: n}, nil
}

// sourceDateEpoch is the project's commit time of Kitbash.yaml: the copies made by
// copyProject are not git checkouts, so builds in them take it from the environment.
func (b *bench) sourceDateEpoch() (string, error) {
	epoch, err := exec.Command("git", "-C", b.f.project, "log", "-1", "--format=%ct", "--", "Kitbash.yaml").Output()
	if err != nil {
		return "", fmt.Errorf("the project's SOURCE_DATE_EPOCH: %v", err)
	}
	return string(bytes.TrimSpace(epoch)), nil
}

// copyProject copies what a build reads of the project (not build/) to a new temporary
// directory, which the caller removes.
func (b *bench) copyProject() (string, error) {
	proj, err := os.MkdirTemp("", "kb-bench-project-")
	if err != nil {
		return "", err
	}
	for _, p := range []string{"Kitbash.yaml", "Kitbash.lock", "specs", "agents", "kits", "variants"} {
		if out, err := exec.Command("cp", "-a", filepath.Join(b.f.project, p), filepath.Join(proj, p)).CombinedOutput(); err != nil {
			os.RemoveAll(proj)
			return "", fmt.Errorf("copy the project: %v %s", err, out)
		}
	}
	return proj, nil
}

// verityTree: kitbash's hash tree of slot A's root image against `veritysetup format` of
// the same file (same salt and superblock), both on every core.
func (b *bench) verityTree(context.Context) (row, error) {
	const n = 5
	dir, im, err := b.imageDir()
	if err != nil {
		return row{}, err
	}
	tmp, err := os.MkdirTemp("", "kb-bench-verity-")
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, "root.img")
	p, _ := im.Partition("ROOT-A")
	if err := copySection(filepath.Join(dir, im.Disk), p.Offset, p.Used, root); err != nil {
		return row{}, err
	}
	slot, _ := im.Slot("a")
	salt := slot.Salt
	uuid := verity.DeriveUUID("kitbash bench")
	kb, err := timeIt(n, func() error {
		_, err := verity.CreateFiles(root, filepath.Join(tmp, "kb.hash"), verity.Params{Salt: mustHex(salt), Superblock: true, UUID: uuid})
		return err
	})
	if err != nil {
		return row{}, err
	}
	base, err := timeIt(n, func() error {
		out, err := exec.Command("veritysetup", "format", "--salt", salt, "--uuid", verity.FormatUUID(uuid), root, filepath.Join(tmp, "vs.hash")).CombinedOutput()
		if err != nil {
			return fmt.Errorf("veritysetup: %v %s", err, out)
		}
		return nil
	})
	if err != nil {
		return row{}, err
	}
	a, _ := os.ReadFile(filepath.Join(tmp, "kb.hash"))
	c, _ := os.ReadFile(filepath.Join(tmp, "vs.hash"))
	if !bytes.Equal(a, c) {
		b.notes = append(b.notes, "verity: kitbash's tree differs from veritysetup's!")
	} else {
		b.notes = append(b.notes, fmt.Sprintf("verity: kitbash's hash file of the dev root is byte-identical to veritysetup's (%d bytes)", len(a)))
	}
	return row{Name: fmt.Sprintf("verity tree of the dev root (%d MiB)", p.Used>>20), Kitbash: median(kb), BaselineName: "veritysetup format", Baseline: median(base), Goal: goal(median(base) / verityGoal), Runs: n}, nil
}

// bootToReady: QEMU start to KITBASH-READY of the dev image under TCG through OVMF and
// systemd-boot, against the same disk whose initramfs is replaced by a do-nothing init
// that prints a line at once.
func (b *bench) bootToReady(ctx context.Context) (row, error) {
	const n = 3
	dir, im, err := b.imageDir()
	if err != nil {
		return row{}, err
	}
	tmp, err := os.MkdirTemp("", "kb-bench-boot-")
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(tmp)
	real := filepath.Join(tmp, "real.img")
	noop := filepath.Join(tmp, "noop.img")
	for _, d := range []string{real, noop} {
		if out, err := exec.Command("cp", "--sparse=always", filepath.Join(dir, im.Disk), d).CombinedOutput(); err != nil {
			return row{}, fmt.Errorf("cp: %v %s", err, out)
		}
	}
	if err := noopInitrd(ctx, tmp, noop, im); err != nil {
		return row{}, err
	}
	boot := func(disk string, re *regexp.Regexp) ([]time.Duration, error) {
		var ds []time.Duration
		for i := 0; i < n; i++ {
			work := filepath.Join(tmp, fmt.Sprintf("run-%d.img", i))
			if out, err := exec.Command("cp", "--sparse=always", disk, work).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("cp: %v %s", err, out)
			}
			// the control port testsysd serves, as `kitbash test` and `kitbash run` give it
			opts := append([]qemu.Option{qemu.WithUEFI("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
				qemu.WithDisk(work, false), qemu.WithMemory(1024), qemu.WithTimeout(3 * time.Minute),
				qemu.WithControlSocket(filepath.Join(tmp, "ctl.sock"))}, b.guestOptions()...)
			m, err := qemu.Start(ctx, opts...)
			if err != nil {
				return nil, err
			}
			_, d, err := m.WaitFor(ctx, re)
			m.Stop()
			os.Remove(work)
			if err != nil {
				return nil, err
			}
			ds = append(ds, d)
		}
		return ds, nil
	}
	fmt.Fprintln(os.Stderr, "bench: booting the dev image and a do-nothing init under TCG (OVMF, systemd-boot)")
	kb, err := boot(real, regexp.MustCompile(`KITBASH-READY`))
	if err != nil {
		return row{}, err
	}
	base, err := boot(noop, regexp.MustCompile(`KITBASH-NOOP-INIT`))
	if err != nil {
		return row{}, err
	}
	return row{Name: "boot to ready (TCG, OVMF + systemd-boot)", Kitbash: median(kb), BaselineName: "same path, do-nothing init", Baseline: median(base), Goal: goal(median(base) * bootGoal), Runs: n}, nil
}

// noopInitrd replaces slot A's initrd on the disk's ESP with one whose init (a static Go
// program) only prints KITBASH-NOOP-INIT and powers off.
func noopInitrd(ctx context.Context, tmp, disk string, im *imageinfo.Image) error {
	src := filepath.Join(tmp, "noop")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	prog := `package main

import (
	"os"
	"syscall"
)

func main() {
	os.MkdirAll("/dev", 0o755)
	syscall.Mount("devtmpfs", "/dev", "devtmpfs", 0, "")
	if c, err := os.OpenFile("/dev/console", os.O_WRONLY, 0); err == nil {
		c.WriteString("KITBASH-NOOP-INIT\n")
	}
	syscall.Sync()
	syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF)
}
`
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(prog), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module noop\n\ngo 1.22\n"), 0o644); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "noop-init")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir, cmd.Env = src, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the do-nothing init: %v %s", err, out)
	}
	initBin, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := initramfs.Gzip(&buf, gzip.BestSpeed)
	if err := initramfs.WriteCPIO(zw, []initramfs.Entry{{Path: "/init", Mode: 0o755, Data: initBin}, {Path: "/dev", Mode: os.ModeDir | 0o755}}); err != nil {
		return err
	}
	zw.Close()
	rd := filepath.Join(tmp, "noop.initrd")
	if err := os.WriteFile(rd, buf.Bytes(), 0o644); err != nil {
		return err
	}
	esp, _ := im.Partition("ESP")
	if out, err := exec.Command("mcopy", "-o", "-i", fmt.Sprintf("%s@@%d", disk, esp.Offset), rd, "::/a/initrd").CombinedOutput(); err != nil {
		return fmt.Errorf("mcopy: %v %s", err, out)
	}
	return nil
}

func copySection(path string, off, n int64, out string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	defer w.Close()
	_, err = io.Copy(w, io.NewSectionReader(f, off, n))
	return err
}

func mustHex(s string) []byte {
	var b []byte
	fmt.Sscanf(s, "%x", &b)
	return b
}
