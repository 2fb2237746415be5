package sdk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
)

// Build makes the SDK image for spec and puts it into store under
// ImageName(spec.Name, digest). It must run as root (mmdebstrap --mode=root).
// WithSourceDateEpoch and WithCacheDir are required.
func Build(ctx context.Context, spec Spec, store *ocistore.Store, opts ...Option) (res Result, err error) {
	c, err := newConfig(opts)
	if err != nil {
		return Result{}, err
	}
	if err := spec.validate(); err != nil {
		return Result{}, err
	}
	if store == nil {
		return Result{}, errors.New("sdk: build needs a store")
	}
	if os.Geteuid() != 0 {
		return Result{}, fmt.Errorf("build SDK %s: must run as root (mmdebstrap --mode=root)", spec.Name)
	}
	for _, p := range c.aptSources {
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			return Result{}, fmt.Errorf("build SDK %s: apt sources file %s is not a readable file", spec.Name, p)
		}
	}
	debs := filepath.Join(c.cacheDir, "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return Result{}, fmt.Errorf("build SDK %s: create cache: %w", spec.Name, err)
	}
	parent := c.workDir
	if parent == "" {
		parent = c.cacheDir
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Result{}, fmt.Errorf("build SDK %s: create work dir: %w", spec.Name, err)
	}
	work, err := os.MkdirTemp(parent, "sdk-work-")
	if err != nil {
		return Result{}, fmt.Errorf("build SDK %s: create work dir: %w", spec.Name, err)
	}
	defer func() {
		if rerr := os.RemoveAll(work); rerr != nil && err == nil {
			err = fmt.Errorf("build SDK %s: remove work dir: %w", spec.Name, rerr)
		}
	}()
	// Apt's archives land here and are then moved into debs one by one; it sits in
	// the cache dir so those moves are renames on one filesystem.
	incoming, err := os.MkdirTemp(c.cacheDir, "debs-incoming-")
	if err != nil {
		return Result{}, fmt.Errorf("build SDK %s: %w", spec.Name, err)
	}
	defer os.RemoveAll(incoming)

	epoch := time.Unix(c.epoch, 0).UTC()
	logf := func(format string, a ...any) { fmt.Fprintf(c.log, "sdk: "+format+"\n", a...) }

	start := time.Now()
	logf("downloading Go %s toolchain", spec.GoVersion)
	tc, err := downloadToolchain(ctx, c, spec.GoVersion, work)
	if err != nil {
		return Result{}, fmt.Errorf("build SDK %s: %w", spec.Name, err)
	}
	goTar := filepath.Join(work, "toolchain.tar")
	if err := toolchainTar(tc, epoch, goTar); err != nil {
		return Result{}, fmt.Errorf("build SDK %s: %w", spec.Name, err)
	}
	logf("Go toolchain layer ready (%s)", time.Since(start).Round(time.Second))

	start = time.Now()
	logf("building %s rootfs with mmdebstrap", spec.Suite)
	job := rootfsJob{
		spec:     spec,
		out:      filepath.Join(work, "rootfs.tar"),
		pkgList:  filepath.Join(work, "packages.txt"),
		debsIn:   debs,
		debsOut:  incoming,
		sources:  c.aptSources,
		aptOpts:  c.aptOptions,
		epochSec: c.epoch,
	}
	if err := runMmdebstrap(ctx, c, job); err != nil {
		return Result{}, fmt.Errorf("build SDK %s: %w", spec.Name, err)
	}
	if err := storeDebs(incoming, debs); err != nil {
		return Result{}, fmt.Errorf("build SDK %s: %w", spec.Name, err)
	}
	pkgs, err := readPackageList(job.pkgList)
	if err != nil {
		return Result{}, fmt.Errorf("build SDK %s: %w", spec.Name, err)
	}
	logf("rootfs ready: %d packages (%s)", len(pkgs), time.Since(start).Round(time.Second))

	start = time.Now()
	res, err = storeImage(ctx, store, imageInputs{
		spec:         spec,
		epoch:        epoch,
		rootfsTar:    job.out,
		toolchainTar: goTar,
		packages:     pkgs,
		goSum:        tc.sum,
	})
	if err != nil {
		return Result{}, err
	}
	logf("stored %s (%d MB, %s)", ImageName(res.Name, res.Digest), res.Size>>20, time.Since(start).Round(time.Second))
	return res, nil
}
