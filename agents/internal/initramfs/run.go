package initramfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Run boots: it prepares the root described by the kernel command line and switches to
// it. On failure it prints FailPrefix and the reason as one console line and reboots
// (fail closed); it returns the error only if the reboot itself returns. With a real
// System a successful Run does not return.
func Run(cfg Config, sys System) error {
	err := boot(cfg, sys)
	if err == nil {
		return nil
	}
	sys.Console(FailPrefix + strings.Join(strings.Fields(err.Error()), " "))
	if rerr := sys.Reboot(); rerr != nil {
		return fmt.Errorf("%w (reboot: %v)", err, rerr)
	}
	return err
}

func boot(cfg Config, sys System) error {
	for _, m := range []Mount{
		{Source: "proc", Target: "/proc", FSType: "proc"},
		{Source: "sysfs", Target: "/sys", FSType: "sysfs"},
		{Source: "devtmpfs", Target: "/dev", FSType: "devtmpfs"},
	} {
		if err := mount(sys, m); err != nil {
			return err
		}
	}
	b, err := fs.ReadFile(sys, "proc/cmdline")
	if err != nil {
		return fmt.Errorf("read kernel command line: %w", err)
	}
	p, err := ParseCmdline(string(b))
	if err != nil {
		return fmt.Errorf("kernel command line: %w", err)
	}
	if err := loadModules(cfg, sys); err != nil {
		return err
	}
	devs, err := waitPartitions(cfg, sys, p)
	if err != nil {
		return err
	}
	if err := waitNode(cfg, sys, "/dev/mapper/control"); err != nil {
		return fmt.Errorf("device-mapper: %w", err)
	}
	v := Verity{DataDev: devs[KeyRoot], HashDev: devs[KeyHash], DataBlocks: p.DataBlocks, RootHash: p.RootHash, Salt: p.Salt}
	node, err := CreateVerity(sys, cfg.DMName, v)
	if err != nil {
		return fmt.Errorf("dm-verity: %w", err)
	}
	if err := waitNode(cfg, sys, node); err != nil {
		return fmt.Errorf("dm-verity: %w", err)
	}
	sys.Console(fmt.Sprintf("kitbash: verity root %s on %s", node, v.Table()))
	if err := mount(sys, Mount{Source: node, Target: cfg.NewRoot, FSType: "erofs", ReadOnly: true}); err != nil {
		return err
	}
	if d := devs[KeyPrivate]; d != "" {
		if err := mountOnRoot(cfg, sys, Mount{Source: d, Target: path.Join(cfg.NewRoot, ".private"), FSType: "ext4"}); err != nil {
			return err
		}
	}
	if d := devs[KeyData]; d != "" {
		if err := prepareData(cfg, sys, d, p.Data); err != nil {
			return err
		}
		if err := mountOnRoot(cfg, sys, Mount{Source: d, Target: path.Join(cfg.NewRoot, "local"), FSType: "ext4"}); err != nil {
			return err
		}
	}
	initPath := path.Join(cfg.NewRoot, cfg.Init)
	if _, err := fs.Stat(sys, rel(initPath)); err != nil {
		return fmt.Errorf("new root has no %s: %w", cfg.Init, err)
	}
	if err := sys.SwitchRoot(cfg.NewRoot, cfg.Init); err != nil {
		return fmt.Errorf("switch root to %s: %w", cfg.NewRoot, err)
	}
	return nil
}

// rel turns an absolute path into one for the System's fs.FS.
func rel(p string) string { return strings.TrimPrefix(path.Clean(p), "/") }

func mount(sys System, m Mount) error {
	if err := sys.MkdirAll(m.Target); err != nil {
		return fmt.Errorf("mount %s: %w", m.Target, err)
	}
	if err := sys.Mount(m); err != nil {
		return fmt.Errorf("mount %s (%s) on %s: %w", m.Source, m.FSType, m.Target, err)
	}
	return nil
}

// mountOnRoot mounts on a directory of the read-only root, which the image must have.
func mountOnRoot(cfg Config, sys System, m Mount) error {
	if st, err := fs.Stat(sys, rel(m.Target)); err != nil || !st.IsDir() {
		return fmt.Errorf("mount %s: the root image has no directory %s", m.Source, strings.TrimPrefix(m.Target, cfg.NewRoot))
	}
	if err := sys.Mount(m); err != nil {
		return fmt.Errorf("mount %s (%s) on %s: %w", m.Source, m.FSType, m.Target, err)
	}
	return nil
}

func loadModules(cfg Config, sys System) error {
	release, err := fs.ReadFile(sys, "proc/sys/kernel/osrelease")
	if err != nil {
		return fmt.Errorf("kernel release: %w", err)
	}
	dir := path.Join("lib/modules", strings.TrimSpace(string(release)))
	dep, err := fs.ReadFile(sys, path.Join(dir, "modules.dep"))
	if err != nil {
		return fmt.Errorf("modules: %w", err)
	}
	builtin, err := fs.ReadFile(sys, path.Join(dir, "modules.builtin"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("modules: %w", err)
	}
	order, err := ModuleOrder(dep, builtin, cfg.Modules, cfg.OptionalModules)
	if err != nil {
		return fmt.Errorf("modules: %w", err)
	}
	loaded := 0
	for _, m := range order {
		if err := sys.LoadModule("/"+path.Join(dir, m.Path), m.Compressed()); err != nil {
			if m.Optional {
				sys.Console(fmt.Sprintf("kitbash: optional module %s not loaded: %v", m.Name, err))
				continue
			}
			return fmt.Errorf("load module %s (%s): %w", m.Name, m.Path, err)
		}
		loaded++
	}
	sys.Console(fmt.Sprintf("kitbash: loaded %d modules", loaded))
	return nil
}

// poll calls check until it reports done or the timeout passes; the error names what
// was still missing.
func poll(cfg Config, sys System, check func() (done bool, missing string)) error {
	for waited := time.Duration(0); ; waited += cfg.PollInterval {
		done, missing := check()
		if done {
			return nil
		}
		if waited >= cfg.DeviceTimeout {
			return fmt.Errorf("%s did not appear within %v", missing, cfg.DeviceTimeout)
		}
		sys.Sleep(cfg.PollInterval)
	}
}

func waitNode(cfg Config, sys System, node string) error {
	return poll(cfg, sys, func() (bool, string) {
		_, err := fs.Stat(sys, rel(node))
		return err == nil, node
	})
}

// waitPartitions waits until every partition the command line names has its device
// node, and returns key -> node.
func waitPartitions(cfg Config, sys System, p Params) (map[string]string, error) {
	want := [][2]string{{KeyRoot, p.Root}, {KeyHash, p.Hash}, {KeyPrivate, p.Private}, {KeyData, p.Data}}
	devs := map[string]string{}
	err := poll(cfg, sys, func() (bool, string) {
		var missing []string
		var skipped []error
		for _, w := range want {
			if w[1] == "" || devs[w[0]] != "" {
				continue
			}
			dev, sk := FindPartUUID(sys, w[1])
			if len(sk) > 0 {
				skipped = sk
			}
			if dev != "" {
				if _, err := fs.Stat(sys, rel(dev)); err == nil {
					devs[w[0]] = dev
					continue
				}
			}
			missing = append(missing, fmt.Sprintf("%s=PARTUUID=%s", w[0], w[1]))
		}
		if len(missing) == 0 {
			return true, ""
		}
		msg := "partition " + strings.Join(missing, ", ")
		if len(skipped) > 0 {
			msg += fmt.Sprintf(" (disks not readable: %v)", errors.Join(skipped...))
		}
		return false, msg
	})
	return devs, err
}

// prepareData, when DATA (node dev, unique GUID uuid) has no file system yet (first
// boot), grows the partition to the end of its disk if it is the last partition there
// (growData), then makes the file system, which so fills the grown partition.
func prepareData(cfg Config, sys System, dev, uuid string) error {
	f, err := sys.Open(rel(dev))
	if err != nil {
		return fmt.Errorf("DATA %s: %w", dev, err)
	}
	r, ok := f.(io.ReaderAt)
	if !ok {
		f.Close()
		return fmt.Errorf("DATA %s: cannot read at an offset", dev)
	}
	has, err := HasExt4(r)
	f.Close()
	if err != nil {
		return fmt.Errorf("DATA %s: %w", dev, err)
	}
	if has {
		return nil
	}
	if err := growData(sys, dev, uuid); err != nil {
		return fmt.Errorf("DATA %s: grow: %w", dev, err)
	}
	sys.Console(fmt.Sprintf("kitbash: DATA %s has no file system; making one", dev))
	argv := append(append([]string(nil), cfg.Mkfs...), dev)
	if err := sys.Exec(argv...); err != nil {
		return fmt.Errorf("DATA %s: %s: %w", dev, strings.Join(argv, " "), err)
	}
	return nil
}
