package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
	"github.com/kitbash-dev/kitbash/testsys"
	"github.com/kitbash-dev/kitbash/testsys/control"
	"github.com/kitbash-dev/kitbash/testsys/qemu"
)

// updateVersion is the version the update row publishes and applies on top of the
// project's release version (0.1.0), which it boots.
const updateVersion = "0.2.0"

// updateGoal is the update row's goal: the raw copy's time over apply's at least this.
const updateGoal = 0.8

// rawCopyScript fetches two URLs and writes each to a device, fsynced: $1 to $2, $3 to
// $4. dd writes whole 1 MiB blocks as the updater does (bufio, 1 MiB).
const rawCopyScript = `set -e -o pipefail
/usr/bin/busybox wget -q -O - "$1" | /usr/bin/dd of="$2" bs=1M iflag=fullblock conv=fsync
/usr/bin/busybox wget -q -O - "$3" | /usr/bin/dd of="$4" bs=1M iflag=fullblock conv=fsync`

// updateApply: `updater apply` (no reboot) of the dev image's 0.2.0 into the inactive
// slot of a booted 0.1.0 (TCG, OVMF, 1024 MiB, user network, as the update integration
// test boots it), from a TUF repository made by `kitbash repo` and served on 127.0.0.1,
// against a raw copy in the same guest of the bytes apply writes to that slot's ROOT and
// HASH partitions: 0.2.0's root image and hash tree, uncompressed, from the same server
// (busybox wget piped to dd, fsynced). Both are timed from the host as the control
// channel's round trip, interleaved, each after `bootslot clear-inactive`. The images
// are built in a copy of the project (packages from the store: only assembly runs).
func (b *bench) updateApply(ctx context.Context) (row, error) {
	const n = 3
	proj, err := b.copyProject()
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(proj)
	work, err := os.MkdirTemp("", "kb-bench-update-")
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(work)
	port, stop, err := serveUpdates(work)
	if err != nil {
		return row{}, err
	}
	defer stop()
	base := fmt.Sprintf("http://10.0.2.2:%d", port)

	fmt.Fprintf(os.Stderr, "bench: building the dev image and its %s with a TUF repository baked in, publishing both\n", updateVersion)
	v1, v2, err := b.publishUpdate(proj, work, base)
	if err != nil {
		return row{}, err
	}
	raw, err := rawImages(v2, filepath.Join(work, "raw"))
	if err != nil {
		return row{}, err
	}
	disk := filepath.Join(work, "disk.img")
	if err := testsys.CopyDisk(disk, filepath.Join(v1.dir, v1.im.Disk)); err != nil {
		return row{}, fmt.Errorf("copy the disk: %w", err)
	}

	fmt.Fprintf(os.Stderr, "bench: booting %s, then %d × (updater apply, raw wget | dd) in the guest\n", v1.im.Version, n)
	extra := b.guestOptions()
	g, err := bootGuest(ctx, work, disk, extra...)
	if err != nil {
		return row{}, err
	}
	defer g.close()
	slot, err := g.inactiveSlot(ctx)
	if err != nil {
		return row{}, g.withConsole(err)
	}
	if err := g.checkUpdate(ctx); err != nil {
		return row{}, g.withConsole(err)
	}
	rawArgs := []string{"/usr/bin/sh", "-c", rawCopyScript, "sh", base + "/raw/root.img", slot.root, base + "/raw/hash.img", slot.hash}
	var applies, copies, inGuest []time.Duration
	var last applied
	for i := 0; i < n; i++ {
		d, res, err := g.apply(ctx)
		last = res
		if err != nil {
			return row{}, g.withConsole(err)
		}
		if err := res.check(slot.name, raw); err != nil {
			return row{}, err
		}
		applies, inGuest = append(applies, d), append(inGuest, res.Result.Duration)
		if err := g.clearInactive(ctx); err != nil {
			return row{}, g.withConsole(err)
		}
		if d, _, err = g.timed(ctx, rawArgs...); err != nil {
			return row{}, g.withConsole(fmt.Errorf("raw copy: %w", err))
		}
		copies = append(copies, d)
		if err := g.clearInactive(ctx); err != nil {
			return row{}, g.withConsole(err)
		}
	}
	// the baseline wrote what it should: the partitions hold the raw images
	for _, x := range []struct{ dev, name string }{{slot.root, "root"}, {slot.hash, "hash"}} {
		if err := g.checkDigest(ctx, x.dev, raw[x.name]); err != nil {
			return row{}, g.withConsole(err)
		}
	}

	apply, copyMs := median(applies), median(copies)
	verdict := "met"
	if copyMs/apply < updateGoal {
		verdict = "not met"
	}
	b.notes = append(b.notes,
		fmt.Sprintf("update apply: goal raw/apply ≥ %.1f (apply at least %.0f%% of raw copy speed): raw %.1f s / apply %.1f s = %.2f, %s",
			updateGoal, updateGoal*100, copyMs/1000, apply/1000, copyMs/apply, verdict),
		fmt.Sprintf("update apply: raw copies %.1f MiB root + %.1f MiB hash; apply also fetches TUF metadata and %.1f MiB of zstd targets (with the boot image), decodes and verifies them and writes kernel, initrd and entry; the updater's own apply step (after check) took %.1f s (median); its steps in the last run: %s",
			mibOf(raw["root"].size), mibOf(raw["hash"].size), mibOf(v2.targetBytes()), median(inGuest)/1000, last.stepsText()))
	return row{Name: fmt.Sprintf("update apply %s→%s in the guest (TCG)", v1.im.Version, v2.im.Version), Kitbash: apply,
		BaselineName: "raw wget | dd of root+hash, fsync", Baseline: copyMs, Goal: goal(copyMs / updateGoal), Runs: n}, nil
}

func mibOf(n int64) float64 { return float64(n) / (1 << 20) }

// builtImage is an image built by publishUpdate.
type builtImage struct {
	dir string
	im  *imageinfo.Image
}

// targetBytes is the size of the image's update images (what apply downloads).
func (i builtImage) targetBytes() int64 {
	var n int64
	for _, f := range i.im.Updates {
		n += f.Size
	}
	return n
}

// publishUpdate makes a TUF repository in work/repo (keys in work/keys), bakes its root
// and base's URLs into the dev variant of proj, builds the variant at the project's
// version and at updateVersion and publishes both.
func (b *bench) publishUpdate(proj, work, base string) (v1, v2 builtImage, err error) {
	keys, repo := filepath.Join(work, "keys"), filepath.Join(work, "repo")
	for _, args := range [][]string{{"repo", "keys", keys}, {"repo", "create", repo, "--keys", keys}} {
		if _, err := b.kitbashIn(proj, args...); err != nil {
			return v1, v2, err
		}
	}
	if err := bakeUpdates(filepath.Join(proj, "variants", benchVariant), repo, base); err != nil {
		return v1, v2, err
	}
	if v1, err = b.buildVariant(proj); err != nil {
		return v1, v2, err
	}
	if v2, err = b.buildVariant(proj, "--version", updateVersion); err != nil {
		return v1, v2, err
	}
	for _, v := range []builtImage{v1, v2} {
		if _, err := b.kitbashIn(proj, "repo", "add", repo, benchVariant, v.im.Version, "--keys", keys, "--image-dir", v.dir); err != nil {
			return v1, v2, err
		}
	}
	return v1, v2, nil
}

// kitbashIn runs kitbash on the project copy proj with the bench's engine and returns
// its standard output.
func (b *bench) kitbashIn(proj string, args ...string) ([]byte, error) {
	epoch, err := b.sourceDateEpoch()
	if err != nil {
		return nil, err
	}
	full := []string{"--state-dir", b.state, "--buildkitd", b.f.buildkitd, "-C", proj, "--progress", "quiet"}
	if b.f.cacheDir != "" {
		full = append(full, "--cache-dir", b.f.cacheDir)
	}
	cmd := exec.Command(b.f.kitbash, append(full, args...)...)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+epoch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kitbash %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out, nil
}

// buildVariant builds the dev variant of proj and reads its image.json.
func (b *bench) buildVariant(proj string, args ...string) (builtImage, error) {
	out, err := b.kitbashIn(proj, append([]string{"-o", "json", "build", "variant", benchVariant}, args...)...)
	if err != nil {
		return builtImage{}, err
	}
	var res struct{ Dir string }
	if err := json.Unmarshal(out, &res); err != nil || res.Dir == "" {
		return builtImage{}, fmt.Errorf("kitbash build variant %s: output %q: %v", strings.Join(args, " "), out, err)
	}
	im, err := imageinfo.Read(res.Dir)
	if err != nil {
		return builtImage{}, err
	}
	return builtImage{dir: res.Dir, im: im}, nil
}

// bakeUpdates makes the variant in vdir trust repo's root and fetch its updates from
// base/repo (metadata/ and targets/), every wave at once, as the update integration
// test does.
func bakeUpdates(vdir, repo, base string) error {
	root, err := os.ReadFile(filepath.Join(repo, "metadata", "1.root.json"))
	if err != nil {
		return fmt.Errorf("the repository's root: %w", err)
	}
	if err := os.WriteFile(filepath.Join(vdir, "root.json"), root, 0o644); err != nil {
		return err
	}
	vfile := filepath.Join(vdir, "variant.yaml")
	spec, err := os.ReadFile(vfile)
	if err != nil {
		return err
	}
	const motd = "  motd: Welcome to Kitbash\n"
	if !bytes.Contains(spec, []byte(motd)) {
		return fmt.Errorf("%s has no %q setting to add the update settings after", vfile, strings.TrimSpace(motd))
	}
	changed := strings.Replace(string(spec), motd, fmt.Sprintf(
		"%s  updates.metadata-url: %s/repo/metadata\n  updates.targets-url: %s/repo/targets\n  updates.ignore-waves: true\n", motd, base, base), 1)
	changed += "updates:\n  root: root.json\n"
	return os.WriteFile(vfile, []byte(changed), 0o644)
}

// serveUpdates serves dir/repo/ and dir/raw/ over HTTP on a free 127.0.0.1 port (the
// guest reaches it as 10.0.2.2) until stop is called.
func serveUpdates(dir string) (port int, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, fmt.Errorf("listen for the update server: %w", err)
	}
	mux := http.NewServeMux()
	for _, p := range []string{"repo", "raw"} {
		mux.Handle("/"+p+"/", http.StripPrefix("/"+p+"/", http.FileServer(http.Dir(filepath.Join(dir, p)))))
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	return l.Addr().(*net.TCPAddr).Port, func() { srv.Close() }, nil
}

// rawFile is an update image decompressed: its size and SHA-256.
type rawFile struct {
	size   int64
	sha256 string
}

// rawImages decompresses v's root and hash update images to dir/root.img and
// dir/hash.img: the bytes apply writes to the ROOT and HASH partitions.
func rawImages(v builtImage, dir string) (map[string]rawFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out := map[string]rawFile{}
	for _, kind := range []string{"root", "hash"} {
		f, ok := v.im.Updates[kind]
		if !ok {
			return nil, fmt.Errorf("%s lists no %s update image", filepath.Join(v.dir, imageinfo.FileName), kind)
		}
		r, err := unzstd(filepath.Join(v.dir, f.Path), filepath.Join(dir, kind+".img"))
		if err != nil {
			return nil, fmt.Errorf("decompress %s: %w", f.Path, err)
		}
		out[kind] = r
	}
	return out, nil
}

func unzstd(src, dst string) (rawFile, error) {
	in, err := os.Open(src)
	if err != nil {
		return rawFile{}, err
	}
	defer in.Close()
	dec, err := zstd.NewReader(in)
	if err != nil {
		return rawFile{}, err
	}
	defer dec.Close()
	out, err := os.Create(dst)
	if err != nil {
		return rawFile{}, err
	}
	defer out.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), dec)
	if err != nil {
		return rawFile{}, err
	}
	return rawFile{size: n, sha256: hex.EncodeToString(h.Sum(nil))}, out.Close()
}

// guest is a booted machine and its control channel.
type guest struct {
	vm *qemu.Machine
	c  *control.Client
}

// bootGuest boots disk with the options of the update integration test (OVMF, 1024 MiB,
// user network, control socket in dir) and waits for ready.
func bootGuest(ctx context.Context, dir, disk string, extra ...qemu.Option) (*guest, error) {
	sock := filepath.Join(dir, "ctl.sock")
	opts := append([]qemu.Option{qemu.WithUEFI("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
		qemu.WithDisk(disk, false), qemu.WithMemory(1024), qemu.WithControlSocket(sock),
		qemu.WithUserNetwork(), qemu.WithTimeout(time.Hour)}, extra...)
	vm, err := qemu.Start(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("start QEMU: %w", err)
	}
	g := &guest{vm: vm}
	bootCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	line, _, err := vm.WaitFor(bootCtx, regexp.MustCompile(`KITBASH-READY|KITBASH-BOOT-FAILED`))
	if err == nil && !strings.Contains(line, "KITBASH-READY") {
		err = fmt.Errorf("%s", line)
	}
	if err != nil {
		err = g.withConsole(fmt.Errorf("the guest did not boot to ready: %w", err))
		g.close()
		return nil, err
	}
	if g.c, err = control.Dial(bootCtx, sock); err != nil {
		err = g.withConsole(fmt.Errorf("the guest's control channel: %w", err))
		g.close()
		return nil, err
	}
	return g, nil
}

// close closes the control channel and stops QEMU.
func (g *guest) close() {
	if g.c != nil {
		g.c.Close()
	}
	g.vm.Stop()
}

// withConsole adds the end of the guest's console to err.
func (g *guest) withConsole(err error) error {
	lines := g.vm.Lines()
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return fmt.Errorf("%w\nthe guest's console, last lines:\n%s", err, strings.Join(lines, "\n"))
}

// run runs argv in the guest (10 minutes at most) and returns its standard output; a
// failure or an exit status other than 0 is an error.
func (g *guest) run(ctx context.Context, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	r, err := g.c.Exec(ctx, argv, "")
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return "", fmt.Errorf("in the guest, %s: %w", strings.Join(argv, " "), err)
	}
	return r.Stdout, nil
}

// timed is run, timed from the host.
func (g *guest) timed(ctx context.Context, argv ...string) (time.Duration, string, error) {
	t0 := time.Now()
	out, err := g.run(ctx, argv...)
	return time.Since(t0), out, err
}

func (g *guest) clearInactive(ctx context.Context) error {
	_, err := g.run(ctx, "/usr/bin/bootslot", "clear-inactive")
	return err
}

// slotDevices is the inactive slot and its ROOT and HASH partitions' device nodes.
type slotDevices struct {
	name, root, hash string
}

// inactiveSlot asks bootslot which slot is booted and finds the other's partitions by
// their GPT names in the kernel's uevents (PARTNAME; the guest has no udev).
func (g *guest) inactiveSlot(ctx context.Context) (slotDevices, error) {
	out, err := g.run(ctx, "/usr/bin/bootslot", "status")
	if err != nil {
		return slotDevices{}, err
	}
	var st struct {
		Booted string `json:"booted"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return slotDevices{}, fmt.Errorf("bootslot status: %w\n%s", err, out)
	}
	s := slotDevices{name: map[string]string{"a": "b", "b": "a"}[st.Booted]}
	if s.name == "" {
		return slotDevices{}, fmt.Errorf("bootslot status: booted slot %q\n%s", st.Booted, out)
	}
	out, err = g.run(ctx, "/usr/bin/sh", "-c", "/usr/bin/grep -H -E '^(DEVNAME|PARTNAME)=' /sys/class/block/*/uevent")
	if err != nil {
		return slotDevices{}, err
	}
	devs := map[string]map[string]string{} // uevent file: key: value
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		file, kv, _ := strings.Cut(line, ":")
		k, v, _ := strings.Cut(kv, "=")
		if devs[file] == nil {
			devs[file] = map[string]string{}
		}
		devs[file][k] = v
	}
	S := strings.ToUpper(s.name)
	for _, ev := range devs {
		switch ev["PARTNAME"] {
		case "ROOT-" + S:
			s.root = "/dev/" + ev["DEVNAME"]
		case "HASH-" + S:
			s.hash = "/dev/" + ev["DEVNAME"]
		}
	}
	if s.root == "/dev/" || s.hash == "/dev/" || s.root == "" || s.hash == "" {
		return slotDevices{}, fmt.Errorf("no device nodes for ROOT-%s and HASH-%s in the guest's uevents:\n%s", S, S, out)
	}
	return s, nil
}

// checkUpdate makes sure the updater in the guest chooses updateVersion.
func (g *guest) checkUpdate(ctx context.Context) error {
	out, err := g.run(ctx, "/usr/bin/updater", "check")
	if err != nil {
		return err
	}
	var ch struct {
		Update *struct{ Version string } `json:"update"`
	}
	if err := json.Unmarshal([]byte(out), &ch); err != nil || ch.Update == nil || ch.Update.Version != updateVersion {
		return fmt.Errorf("updater check in the guest does not choose %s (%v):\n%s", updateVersion, err, out)
	}
	return nil
}

// applied is what `updater apply` prints.
type applied struct {
	Result struct {
		Slot     string           `json:"slot"`
		Version  string           `json:"version"`
		Written  map[string]int64 `json:"written"`
		Duration time.Duration    `json:"duration_ns"`
		// Steps is the updater's time per step (root, hash, boot, ...).
		Steps map[string]time.Duration `json:"steps_ns"`
	} `json:"result"`
}

// stepsText is "root 9.1 s, hash 0.2 s, ..." in the updater's order.
func (a applied) stepsText() string {
	var parts []string
	for _, s := range []string{"clear", "root", "hash", "boot", "migrations", "set-next"} {
		if d, ok := a.Result.Steps[s]; ok {
			parts = append(parts, fmt.Sprintf("%s %.1f s", s, d.Seconds()))
		}
	}
	return strings.Join(parts, ", ")
}

// apply runs `updater apply` in the guest, timed from the host.
func (g *guest) apply(ctx context.Context) (time.Duration, applied, error) {
	var res applied
	d, out, err := g.timed(ctx, "/usr/bin/updater", "apply")
	if err != nil {
		return 0, res, err
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		return 0, res, fmt.Errorf("updater apply's result: %w\n%s", err, out)
	}
	return d, res, nil
}

// check makes sure apply wrote updateVersion to slot, as many root and hash bytes as the
// raw copy writes.
func (a applied) check(slot string, raw map[string]rawFile) error {
	r := a.Result
	if r.Slot != slot || r.Version != updateVersion {
		return fmt.Errorf("updater apply wrote %s to slot %s, want %s to slot %s", r.Version, r.Slot, updateVersion, slot)
	}
	for _, kind := range []string{"root", "hash"} {
		if r.Written[kind] != raw[kind].size {
			return fmt.Errorf("updater apply wrote %d bytes of %s, the raw image has %d", r.Written[kind], kind, raw[kind].size)
		}
	}
	return nil
}

// checkDigest makes sure dev in the guest starts with f's bytes.
func (g *guest) checkDigest(ctx context.Context, dev string, f rawFile) error {
	out, err := g.run(ctx, "/usr/bin/sh", "-c", `/usr/bin/head -c "$1" "$2" | /usr/bin/sha256sum`, "sh", fmt.Sprint(f.size), dev)
	if err != nil {
		return err
	}
	if got, _, _ := strings.Cut(strings.TrimSpace(out), " "); got != f.sha256 {
		return fmt.Errorf("raw copy: %s holds sha256 %s for its first %d bytes, the image %s", dev, got, f.size, f.sha256)
	}
	return nil
}

// guestOptions are the -guest-cpus and -guest-cpu flags as QEMU options.
func (b *bench) guestOptions() []qemu.Option {
	opts := []qemu.Option{qemu.WithCPUs(b.f.guestCPUs)}
	if b.f.guestCPU != "" {
		opts = append(opts, qemu.WithCPUModel(b.f.guestCPU))
	}
	return opts
}
