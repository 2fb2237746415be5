package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kitbash-dev/kitbash/builder/project"
)

// run builds on both machines, compares and explains. It reports whether every
// artifact was the same; an error means the run could not say.
func run(ctx context.Context, c config) (bool, error) {
	start := time.Now()
	c, t, err := c.resolve()
	if err != nil {
		return false, err
	}
	kits, err := kitNames(c.project)
	if err != nil {
		return false, err
	}
	root, err := os.MkdirTemp(c.tmp, "kb-repro-")
	if err != nil {
		return false, fmt.Errorf("machines' directory: %w", err)
	}
	defer func() {
		if err := os.RemoveAll(root); err != nil {
			fmt.Fprintf(os.Stderr, "repro: remove %s: %v\n", root, err)
		}
	}()
	ms := newMachines(root, c.logs)
	for _, m := range ms {
		defer func() {
			if err := m.stopEngine(t); err != nil {
				fmt.Fprintln(os.Stderr, "repro:", err)
			}
		}()
	}
	fmt.Printf("repro: SOURCE_DATE_EPOCH=%s on both machines; kitbash's output in %s\n", t.epoch, c.logs)
	for _, m := range ms {
		if err := m.setup(c.project); err != nil {
			return false, err
		}
		if c.inject {
			if err := inject(m.project); err != nil {
				return false, err
			}
		}
		fmt.Printf("repro: %s\n", m)
	}
	if c.inject {
		fmt.Printf("repro: -inject-nondeterminism: both copies have specs/%s, which stamps the wall clock into %s; only it is built\n", injectedPackage, injectedFile)
	}

	steps := plan(c, kits)
	arts := make([][]artifact, len(ms))
	var took []time.Duration
	for i, m := range ms {
		t0 := time.Now()
		if i > 0 {
			fmt.Printf("repro: machine %s starts %s after machine %s did: another wall clock, the same SOURCE_DATE_EPOCH\n",
				m.label, t0.Sub(start).Round(time.Second), ms[0].label)
		}
		for _, s := range steps {
			s0 := time.Now()
			out, err := m.kitbash(ctx, t, s.args...)
			if err != nil {
				return false, err
			}
			if s.collect != nil {
				a, err := s.collect(m, out)
				if err != nil {
					return false, err
				}
				arts[i] = append(arts[i], a...)
			}
			fmt.Printf("repro: [%s] kitbash %s: %s\n", m.label, s.name, time.Since(s0).Round(100*time.Millisecond))
			if s.sdk && c.shareSDK && i == 0 {
				if err := shareSDK(ms[0], ms[1]); err != nil {
					return false, err
				}
			}
		}
		// Its engine is not needed any more: stop it (B gets the CPUs) and drop
		// BuildKit's cache (the disk); the artifacts stay for diffoscope.
		if err := m.stopEngine(t); err != nil {
			return false, err
		}
		took = append(took, time.Since(t0))
		fmt.Printf("repro: [%s] done in %s\n", m.label, took[i].Round(time.Second))
	}

	cmp, err := compare(arts[0], arts[1])
	if err != nil {
		return false, err
	}
	printComparison(os.Stdout, cmp)
	noteLockedSDK(c.project, arts[0])
	if len(cmp.mismatches) == 0 {
		fmt.Printf("\nrepro: every artifact is identical on both machines (%s in all: A %s, B %s)\n",
			time.Since(start).Round(time.Second), took[0].Round(time.Second), took[1].Round(time.Second))
		return true, nil
	}
	d := differ{bin: c.diffoscope, reports: filepath.Join(c.logs, "diffoscope"), timeout: c.diffTimeout,
		maxSize: c.diffMaxSize, maxBytes: c.diffBytes, lines: c.diffLines}
	if err := explain(ctx, os.Stdout, d, cmp, c.diffMax); err != nil {
		return false, err
	}
	fmt.Printf("\nrepro: NOT REPRODUCIBLE: %d of %d artifacts differ between machines A and B (%s in all)\n",
		len(cmp.mismatches), cmp.total(), time.Since(start).Round(time.Second))
	return false, nil
}

// resolve makes paths absolute, checks the tools and settles SOURCE_DATE_EPOCH.
func (c config) resolve() (config, tools, error) {
	for _, p := range []*string{&c.kitbash, &c.buildkitd, &c.project, &c.tmp, &c.logs} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return c, tools{}, err
		}
		*p = abs
	}
	for _, f := range []string{c.kitbash, c.buildkitd} {
		if _, err := os.Stat(f); err != nil {
			return c, tools{}, fmt.Errorf("%w; fix: make kitbash tools", err)
		}
	}
	for _, cmd := range []string{c.diffoscope, "unshare", "hostname", "cp"} {
		if _, err := exec.LookPath(cmd); err != nil {
			return c, tools{}, fmt.Errorf("%w; fix: make tools (it installs diffoscope-minimal)", err)
		}
	}
	if _, err := os.Stat(filepath.Join(c.project, project.FileName)); err != nil {
		return c, tools{}, fmt.Errorf("-project: %w", err)
	}
	if err := os.MkdirAll(c.logs, 0o755); err != nil {
		return c, tools{}, err
	}
	if c.epoch == "" {
		out, err := exec.Command("git", "-C", c.project, "log", "-1", "--format=%ct", "--", project.FileName).Output()
		c.epoch = string(bytes.TrimSpace(out))
		if err != nil || c.epoch == "" {
			return c, tools{}, fmt.Errorf("no commit time of %s in %s (%v); fix: pass -source-date-epoch", project.FileName, c.project, err)
		}
	}
	return c, tools{kitbash: c.kitbash, buildkitd: c.buildkitd, epoch: c.epoch}, nil
}

// shareSDK gives machine b machine a's SDK, as a pull by its locked digest would: the
// OCI store hard-linked (blobs are immutable, index.json is replaced by rename) and the
// lock that names it. b has built nothing yet.
func shareSDK(a, b *machine) error {
	if out, err := exec.Command("cp", "-al", a.ociStore(), b.ociStore()).CombinedOutput(); err != nil {
		return fmt.Errorf("share the SDK: %v: %s", err, bytes.TrimSpace(out))
	}
	lock, err := os.ReadFile(filepath.Join(a.project, project.LockName))
	if err != nil {
		return fmt.Errorf("share the SDK: %w", err)
	}
	if err := os.WriteFile(filepath.Join(b.project, project.LockName), lock, 0o644); err != nil {
		return fmt.Errorf("share the SDK: %w", err)
	}
	fmt.Printf("repro: -share-sdk: machine %s takes machine %s's SDK and lock (the SDK is not compared)\n", b.label, a.label)
	return nil
}

// noteLockedSDK says when the SDK built here is not the one the project's lock names:
// not a difference between the machines, but a lock made from other Debian package
// versions (or another SOURCE_DATE_EPOCH) than a build today gets.
func noteLockedSDK(dir string, arts []artifact) {
	l, err := project.Load(dir)
	if err != nil {
		return
	}
	for _, a := range arts {
		if a.kind == kindSDK && l.Lock.SDK.Digest != "" && a.digest != l.Lock.SDK.Digest {
			fmt.Printf("repro: note: both machines built SDK %s; %s locks %s (built from other package versions or another SOURCE_DATE_EPOCH)\n",
				a.digest, project.LockName, l.Lock.SDK.Digest)
		}
	}
}
