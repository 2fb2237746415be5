package control

import (
	"fmt"
	"time"
)

// DefaultCommandTimeout bounds a command when Exec's context has no deadline.
const DefaultCommandTimeout = 2 * time.Minute

// DefaultPingInterval is how often Dial pings an agent that has not said hello.
const DefaultPingInterval = time.Second

// Option configures a client.
type Option func(*config) error

type config struct {
	commandTimeout time.Duration
	pingInterval   time.Duration
}

func defaultConfig() config {
	return config{commandTimeout: DefaultCommandTimeout, pingInterval: DefaultPingInterval}
}

// WithCommandTimeout sets how long the agent lets a command run when Exec's context
// has no deadline (default [DefaultCommandTimeout]).
func WithCommandTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithCommandTimeout: %v is not positive", d)
		}
		c.commandTimeout = d
		return nil
	}
}

// WithPingInterval sets how often Dial asks for the hello line while waiting for it
// (default [DefaultPingInterval]): the agent's first hello is lost when it starts
// before the host connects.
func WithPingInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithPingInterval: %v is not positive", d)
		}
		c.pingInterval = d
		return nil
	}
}
