package sign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Option configures Sign and Verify.
type Option func(*config) error

type config struct {
	remote      []remote.Option
	annotations map[string]string
	log         io.Writer
}

// WithRemoteOptions passes options (authentication, transport, ...) to every registry
// request. The context given to Sign or Verify is always added last, so it wins.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(c *config) error {
		c.remote = append(c.remote, opts...)
		return nil
	}
}

// WithAnnotations sets the optional annotations of the signature payload (Sign), or
// requires them, with these exact values, in the payload of a signature (Verify), as
// `cosign sign -a` and `cosign verify -a` do.
func WithAnnotations(annotations map[string]string) Option {
	return func(c *config) error {
		for k := range annotations {
			if k == "" {
				return errors.New("annotation with an empty key; fix: name every annotation")
			}
		}
		if c.annotations == nil {
			c.annotations = map[string]string{}
		}
		maps.Copy(c.annotations, annotations)
		return nil
	}
}

// WithLog makes Sign and Verify report what they do, one line at a time, to w.
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			w = io.Discard
		}
		c.log = w
		return nil
	}
}

func newConfig(ctx context.Context, opts []Option) (*config, error) {
	c := &config{log: io.Discard}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	c.remote = append(c.remote, remote.WithContext(ctx))
	return c, nil
}

func (c *config) logf(format string, args ...any) {
	fmt.Fprintf(c.log, format+"\n", args...)
}
