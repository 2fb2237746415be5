package rootfs

import (
	"errors"
	"io"
	"time"
)

type config struct {
	epoch time.Time
	files []File
	log   io.Writer
}

// Option configures [Assemble].
type Option func(*config) error

// WithEpoch sets the mtime of every entry of the output (SOURCE_DATE_EPOCH); it is
// truncated to whole seconds. The default is the Unix epoch.
func WithEpoch(t time.Time) Option {
	return func(c *config) error {
		if t.IsZero() {
			return errors.New("rootfs: epoch is the zero time (use SOURCE_DATE_EPOCH)")
		}
		c.epoch = t.Truncate(time.Second).UTC()
		return nil
	}
}

// WithFiles adds extra files, applied after the packages; it may be given several times.
func WithFiles(files ...File) Option {
	return func(c *config) error {
		c.files = append(c.files, files...)
		return nil
	}
}

// WithLog makes Assemble report what it does, one line per step, to w.
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			w = io.Discard
		}
		c.log = w
		return nil
	}
}

func newConfig(opts []Option) (*config, error) {
	c := &config{epoch: time.Unix(0, 0).UTC(), log: io.Discard}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}
