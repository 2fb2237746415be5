package kitsrc

import "fmt"

// Option configures Pack.
type Option func(*config) error

type config struct {
	epoch   int64
	maxSize int64
}

func newConfig(opts []Option) (*config, error) {
	c := &config{maxSize: MaxSize}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithEpoch sets the time of every entry, in seconds since 1970: SOURCE_DATE_EPOCH, the
// kit's created time (default 0).
func WithEpoch(sec int64) Option {
	return func(c *config) error {
		if sec < 0 {
			return fmt.Errorf("kit sources: epoch %d is negative", sec)
		}
		c.epoch = sec
		return nil
	}
}

// WithMaxSize lowers the size limit of the tar (default MaxSize).
func WithMaxSize(n int64) Option {
	return func(c *config) error {
		if n <= 0 || n > MaxSize {
			return fmt.Errorf("kit sources: size limit %d is not in 1..%d", n, MaxSize)
		}
		c.maxSize = n
		return nil
	}
}
