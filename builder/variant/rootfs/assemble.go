package rootfs

import (
	"fmt"
	"io"
	"os"
)

// Package is one package of the variant: its name and its deterministic tar.
type Package struct {
	Name string
	Tar  string // path of the package tar
}

// Result describes the assembled root filesystem tar.
type Result struct {
	Digest  string // "sha256:<hex>" of the tar bytes
	Size    int64
	Entries int
	// Owners maps every path (relative, no trailing "/") to the package that installed
	// it, or ExtraOwner, for the SBOM; implied directories have no owner. A directory
	// several packages install belongs to the first of them.
	Owners map[string]string
}

// Assemble reads the package tars, given in dependency order (dependencies first), adds
// the extra files of [WithFiles] and writes the root filesystem to w as one deterministic
// tar. See the package documentation for the rules; a violation is an error (often a
// [*ConflictError]) and then w may hold a partial tar.
func Assemble(pkgs []Package, w io.Writer, opts ...Option) (Result, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Result{}, err
	}
	if err := checkPackages(pkgs); err != nil {
		return Result{}, err
	}
	t := newTree()
	for _, p := range pkgs {
		f, err := os.Open(p.Tar)
		if err != nil {
			return Result{}, fmt.Errorf("rootfs: package %s: %w", p.Name, err)
		}
		// Read-only, and the output copies contents from it: open until Assemble returns.
		defer f.Close()
		n, err := t.readPackage(p.Name, f)
		if err != nil {
			return Result{}, err
		}
		fmt.Fprintf(cfg.log, "rootfs: %s: %d entries\n", p.Name, n)
	}
	if err := t.addExtras(cfg.files, cfg.log); err != nil {
		return Result{}, err
	}
	res, err := t.write(w, cfg.epoch)
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(cfg.log, "rootfs: %d entries, %d bytes, %s\n", res.Entries, res.Size, res.Digest)
	return res, nil
}

func checkPackages(pkgs []Package) error {
	seen := map[string]bool{}
	for _, p := range pkgs {
		switch {
		case p.Name == "" || p.Name == ExtraOwner:
			return fmt.Errorf("rootfs: package name %q is not allowed", p.Name)
		case p.Tar == "":
			return fmt.Errorf("rootfs: package %s: no tar", p.Name)
		case seen[p.Name]:
			return fmt.Errorf("rootfs: package %s is given twice", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}
