package rebuild

import (
	"errors"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kitbash-dev/kitbash/builder/sign"
)

// Option configures Run.
type Option func(*config) error

type config struct {
	verifiers []*sign.Verifier
	remote    []remote.Option
	workDir   string // kept after the run
	tempDir   string // where a temporary work folder is made
	arch      string
	log       io.Writer
}

func newConfig(opts []Option) (*config, error) {
	c := &config{tempDir: os.TempDir(), arch: "x86_64", log: io.Discard}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithVerifiers makes Run check, before anything else, that one of these keys signed
// the kit's digest.
func WithVerifiers(vs ...*sign.Verifier) Option {
	return func(c *config) error {
		for _, v := range vs {
			if v == nil {
				return errors.New("rebuild: nil public key")
			}
		}
		c.verifiers = append(c.verifiers, vs...)
		return nil
	}
}

// WithRemoteOptions are the registry options (auth, transport) of every request.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(c *config) error { c.remote = append(c.remote, opts...); return nil }
}

// WithWorkDir builds in dir (new or empty) and keeps it: the unpacked sources are in
// dir/src. Without it a temporary folder is made and removed.
func WithWorkDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return errors.New("rebuild: empty work folder")
		}
		c.workDir = dir
		return nil
	}
}

// WithTempDir is where the temporary work folder is made (default os.TempDir()).
func WithTempDir(dir string) Option {
	return func(c *config) error { c.tempDir = dir; return nil }
}

// WithArch picks the kit's architecture (default x86_64).
func WithArch(arch string) Option { return func(c *config) error { c.arch = arch; return nil } }

// WithLog receives progress lines.
func WithLog(w io.Writer) Option { return func(c *config) error { c.log = w; return nil } }
