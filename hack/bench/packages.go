package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// noopPackages: a whole `kitbash build packages` process when every package is up to
// date, against reading and hashing every input once (the specs, the path sources and
// every fetched source blob), which is the least a no-op build could do without an
// index of what it has already seen.
func (b *bench) noopPackages(context.Context) (row, error) {
	args := []string{"--state-dir", b.state, "-C", b.f.project, "--progress", "quiet"}
	if b.f.cacheDir != "" {
		args = append(args, "--cache-dir", b.f.cacheDir)
	}
	build := func() error {
		cmd := exec.Command(b.f.kitbash, append(args, "build", "packages")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("kitbash build packages: %v\n%s", err, out)
		}
		return nil
	}
	fmt.Fprintln(os.Stderr, "bench: building every package once (a no-op when they are up to date)")
	if err := build(); err != nil {
		return row{}, err
	}
	kb, err := timeIt(b.f.runs, build)
	if err != nil {
		return row{}, err
	}
	cache, err := b.cacheDir()
	if err != nil {
		return row{}, err
	}
	roots := []string{filepath.Join(b.f.project, "specs"), filepath.Join(b.f.project, "agents"), filepath.Join(cache, "sources", "sha256")}
	var bytes int64
	base, err := timeIt(b.f.runs, func() error {
		n, err := hashTrees(roots)
		bytes = n
		return err
	})
	if err != nil {
		return row{}, err
	}
	return row{Name: "no-op `build packages`, CLI", Kitbash: median(kb), BaselineName: fmt.Sprintf("hash all inputs (%d MiB)", bytes>>20), Baseline: median(base), Goal: goal(2000), Runs: b.f.runs}, nil
}

// hashTrees reads and sha256-hashes every regular file under roots.
func hashTrees(roots []string) (int64, error) {
	var total int64
	h := sha256.New()
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			n, err := io.Copy(h, f)
			total += n
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return total, nil
}
