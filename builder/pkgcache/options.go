package pkgcache

import (
	"errors"
	"io"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Option configures an Exchange.
type Option func(*config) error

type config struct {
	log     io.Writer
	remote  []remote.Option
	tempDir string
}

// WithLog receives one line per package exported or imported. Default: discarded.
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			w = io.Discard
		}
		c.log = w
		return nil
	}
}

// WithRemoteOptions are used for every registry request, after the default
// remote.WithAuthFromKeychain(authn.DefaultKeychain) (a later WithAuthFromKeychain
// replaces it; remote.WithAuth conflicts with it, so give a keychain instead) and before
// the request's context.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(c *config) error {
		c.remote = append(c.remote, opts...)
		return nil
	}
}

// WithTempDir stages each imported package tar in a file under dir and verifies it
// there before it is handed to the package store. Without it the tar is verified as it
// streams into the store, whose Put is atomic, so a bad tar leaves nothing behind either
// way.
func WithTempDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return errors.New("pkgcache: WithTempDir: empty directory")
		}
		c.tempDir = dir
		return nil
	}
}
