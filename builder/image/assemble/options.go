package assemble

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/variant"
)

// Runner runs a shell script in the SDK. The directories of inputs are mounted read-only
// and their paths given to the script as $IN_<NAME> (name upper-cased); the script
// writes its results under $OUT, which is copied to outDir.
type Runner interface {
	Run(ctx context.Context, name, script string, env map[string]string, inputs map[string]string, outDir string) error
}

// Package is one package of the image: its manifest and its tar.
type Package struct {
	Manifest pkg.Manifest
	Tar      string
}

// Input is what an image is made of.
type Input struct {
	Variant *variant.Spec
	// Version is the OS version (the project's release-version).
	Version string
	// Packages are the image's packages in dependency order (dependencies first),
	// including the kernel package.
	Packages []Package
	// SDK is the digest of the SDK the tools ran in (recorded in the SBOM).
	SDK string
	// UpdateRoot is the update repository's TUF root.json (variant.yaml updates.root),
	// written to variant.UpdateRootPath; none when empty.
	UpdateRoot []byte
	// Migrations are the variant's settings migrations (variant.yaml
	// updates.migrations); those up to Version go into the image at
	// variant.MigrationsPath and next to it as <variant>-<version>-migration.json.
	Migrations []variant.Migration
}

type config struct {
	runner  Runner
	epoch   time.Time
	workDir string
	log     io.Writer
	qcow2   bool
	tool    string
}

// Option configures Build.
type Option func(*config) error

// WithRunner runs the SDK steps (required).
func WithRunner(r Runner) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("assemble: nil runner")
		}
		c.runner = r
		return nil
	}
}

// WithEpoch sets SOURCE_DATE_EPOCH: every time in the image.
func WithEpoch(t time.Time) Option {
	return func(c *config) error { c.epoch = t.UTC(); return nil }
}

// WithWorkDir keeps intermediate files in dir (default: a temporary directory that is
// removed).
func WithWorkDir(dir string) Option {
	return func(c *config) error { c.workDir = dir; return nil }
}

// WithLog sends progress lines to w.
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w != nil {
			c.log = w
		}
		return nil
	}
}

// WithQCOW2 also writes a qcow2 copy of the disk (qemu-img in the SDK), whatever the
// variant's formats say.
func WithQCOW2(on bool) Option {
	return func(c *config) error { c.qcow2 = on; return nil }
}

// WithTool names the program that assembles the image (ExecutableID): part of the
// image's inputs digest, so a different kitbash rebuilds an image that is otherwise
// up to date.
func WithTool(id string) Option {
	return func(c *config) error { c.tool = id; return nil }
}
