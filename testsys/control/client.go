package control

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// ErrClosed is in the error Exec returns when the channel closed before the answer
// came: the client was closed, or the guest (or QEMU) went away.
var ErrClosed = errors.New("control: channel closed")

// maxLine caps one line from the agent; longer lines are dropped.
const maxLine = 64 << 20

// Client is a connection to a guest's testsysd. Exec calls are serialised.
type Client struct {
	cfg  config
	conn io.ReadWriteCloser

	execMu  sync.Mutex // one command at a time
	writeMu sync.Mutex
	nextID  int64

	mu      sync.Mutex
	waiting map[int64]chan message
	helloCh chan struct{} // closed at the first hello
	helloed bool
	done    chan struct{} // closed when reading stops
	readErr error         // why; valid after done
}

// Dial connects to the Unix socket at socketPath (QEMU's control chardev), retrying
// until it exists and accepts or ctx ends, then waits for the agent's hello as [New]
// does.
func Dial(ctx context.Context, socketPath string, opts ...Option) (*Client, error) {
	var d net.Dialer
	var lastErr error
	for {
		conn, err := d.DialContext(ctx, "unix", socketPath)
		if err == nil {
			c, err := New(ctx, conn, opts...)
			if err != nil {
				conn.Close()
				return nil, err
			}
			return c, nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("control: connect %s: %w (last error: %v)", socketPath, context.Cause(ctx), lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// New speaks the protocol over conn (which the client owns from then on): it waits
// until the agent says hello, pinging it now and then, or ctx ends.
func New(ctx context.Context, conn io.ReadWriteCloser, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("control: %w", err)
		}
	}
	c := &Client{
		cfg: cfg, conn: conn,
		waiting: map[int64]chan message{},
		helloCh: make(chan struct{}),
		done:    make(chan struct{}),
	}
	go c.read()
	if err := c.awaitHello(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) awaitHello(ctx context.Context) error {
	tick := time.NewTicker(c.cfg.pingInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.helloCh:
			return nil
		default:
		}
		if err := c.write(request{Ping: true}); err != nil {
			return err
		}
		select {
		case <-c.helloCh:
			return nil
		case <-c.done:
			return fmt.Errorf("control: waiting for the agent's hello: %w", c.readErr)
		case <-ctx.Done():
			return fmt.Errorf("control: waiting for the agent's hello: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// read dispatches the agent's lines until the connection ends.
func (c *Client) read() {
	br := bufio.NewReaderSize(c.conn, 64<<10)
	var err error
	for {
		var l []byte
		if l, err = readLine(br); err != nil {
			break
		}
		m, ok := parseMessage(l)
		if !ok {
			continue
		}
		c.mu.Lock()
		switch {
		case m.Hello != "":
			if m.Hello == "testsysd" && !c.helloed {
				c.helloed = true
				close(c.helloCh)
			}
		default:
			if ch, ok := c.waiting[*m.ID]; ok {
				delete(c.waiting, *m.ID)
				ch <- m // buffered
			}
		}
		c.mu.Unlock()
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		err = ErrClosed
	} else {
		err = fmt.Errorf("%w: %w", ErrClosed, err)
	}
	c.mu.Lock()
	c.readErr = err
	c.mu.Unlock()
	close(c.done)
}

// readLine returns the next line; over-long lines come back empty.
func readLine(br *bufio.Reader) ([]byte, error) {
	var l []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			l = append(l, chunk...)
			if len(l) > maxLine {
				tooLong, l = true, nil
			}
		}
		switch {
		case err == nil:
			return l, nil
		case errors.Is(err, bufio.ErrBufferFull):
		case len(l) > 0 && errors.Is(err, io.EOF):
			return l, nil
		default:
			return nil, err
		}
	}
}

func (c *Client) write(r request) error {
	b, err := line(r)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if _, err := c.conn.Write(b); err != nil {
		return fmt.Errorf("%w: send request: %w", ErrClosed, err)
	}
	return nil
}

// Exec runs argv in the guest with stdin as its standard input and waits for its
// result. The agent kills the command when ctx's deadline (or, without one, the
// client's command timeout) passes, and says so in [Result.Error]. The error is
// non-nil only when no answer came: ctx ended, or the channel closed ([ErrClosed]:
// the guest or QEMU went away).
func (c *Client) Exec(ctx context.Context, argv []string, stdin string) (Result, error) {
	if len(argv) == 0 {
		return Result{}, errors.New("control: Exec: empty argv")
	}
	c.execMu.Lock()
	defer c.execMu.Unlock()

	timeout := c.cfg.commandTimeout
	if dl, ok := ctx.Deadline(); ok {
		// Leave time for the answer to travel back after the agent's timeout.
		timeout = max(time.Until(dl)*9/10, time.Millisecond)
	}
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan message, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}()

	if err := c.write(request{ID: id, Argv: argv, Stdin: stdin, TimeoutMs: max(timeout.Milliseconds(), 1)}); err != nil {
		return Result{}, fmt.Errorf("control: %q: %w", argv, err)
	}
	select {
	case m := <-ch:
		return m.result()
	case <-c.done:
		return Result{}, fmt.Errorf("control: %q: %w", argv, c.readErr)
	case <-ctx.Done():
		return Result{}, fmt.Errorf("control: %q: no answer: %w", argv, context.Cause(ctx))
	}
}

// Done is closed when the channel has closed (Close, or the other end went away).
func (c *Client) Done() <-chan struct{} { return c.done }

// Close closes the connection and waits for the reader to stop. Exec calls in flight
// fail with [ErrClosed].
func (c *Client) Close() error {
	err := c.conn.Close()
	<-c.done
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
