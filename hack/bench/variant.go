package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// noopVariant: a whole `kitbash build variant dev` process in the project when nothing
// changed (packages, kits and image up to date: it must report "up to date"), against
// reading and hashing what the image is made of: the tars of the packages it installs
// and the variant's folder, the least a no-op could do without a record of what it
// built.
func (b *bench) noopVariant(context.Context) (row, error) {
	build := func() (string, []string, error) {
		out, err := b.kitbashJSON("build", "variant", benchVariant)
		if err != nil {
			return "", nil, err
		}
		var res struct {
			Status   string
			Packages []string
		}
		if err := json.Unmarshal(out, &res); err != nil {
			return "", nil, fmt.Errorf("kitbash build variant %s: output %q: %w", benchVariant, out, err)
		}
		return res.Status, res.Packages, nil
	}
	fmt.Fprintln(os.Stderr, "bench: building the dev variant once (a no-op when it is up to date)")
	_, installed, err := build()
	if err != nil {
		return row{}, err
	}
	kb, err := timeIt(b.f.runs, func() error {
		status, _, err := build()
		if err == nil && status != "up to date" {
			err = fmt.Errorf("kitbash build variant %s of an unchanged project: %q, not a no-op", benchVariant, status)
		}
		return err
	})
	if err != nil {
		return row{}, err
	}
	roots, err := b.variantInputs(installed)
	if err != nil {
		return row{}, err
	}
	var n int64
	base, err := timeIt(b.f.runs, func() error {
		var err error
		n, err = hashTrees(roots)
		return err
	})
	if err != nil {
		return row{}, err
	}
	return row{Name: "no-op `build variant dev`, CLI", Kitbash: median(kb),
		BaselineName: fmt.Sprintf("hash its inputs (%d package tars + variant, %d MiB)", len(roots)-1, n>>20), Baseline: median(base),
		Goal: goal(2000), Runs: b.f.runs,
		Note: "up to date: same inputs digest and every output's size and mtime as the build recorded (no re-hash of the 2 GiB disk)"}, nil
}

// variantInputs are the store tars of the installed packages ("name version-release",
// as build variant reports them) and the variant's folder.
func (b *bench) variantInputs(installed []string) ([]string, error) {
	out, err := b.kitbashJSON("build", "packages")
	if err != nil {
		return nil, err
	}
	var results []struct{ Name, Tar string }
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("kitbash build packages: output: %w", err)
	}
	tars := map[string]string{}
	for _, r := range results {
		tars[r.Name] = r.Tar
	}
	var roots []string
	for _, p := range installed {
		name, _, _ := strings.Cut(p, " ")
		tar, ok := tars[name]
		if !ok {
			return nil, fmt.Errorf("the image installs %s, which build packages does not list", name)
		}
		roots = append(roots, tar)
	}
	return append(roots, filepath.Join(b.f.project, "variants", benchVariant)), nil
}

// kitbashJSON runs kitbash on the project with the bench's engine, as make does (no
// SOURCE_DATE_EPOCH of its own), and returns its JSON output.
func (b *bench) kitbashJSON(args ...string) ([]byte, error) {
	full := []string{"--state-dir", b.state, "--buildkitd", b.f.buildkitd, "-C", b.f.project, "--progress", "quiet", "-o", "json"}
	if b.f.cacheDir != "" {
		full = append(full, "--cache-dir", b.f.cacheDir)
	}
	cmd := exec.Command(b.f.kitbash, append(full, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kitbash %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}
