package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// maxRequest caps one request line; longer lines are dropped.
const maxRequest = 16 << 20

// runner runs one request's command.
type runner func(ctx context.Context, req request) response

// serve writes the hello line, then answers the requests read from r on w, one at a
// time, until r ends (nil) or fails or ctx ends.
func serve(ctx context.Context, r io.Reader, w io.Writer, run runner) error {
	if _, err := w.Write(helloLine); err != nil {
		return fmt.Errorf("write hello: %w", err)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		if ctx.Err() != nil {
			return nil
		}
		line, err := readLine(br, maxRequest)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		req, ok := parseRequest(line)
		if !ok {
			continue
		}
		out := helloLine
		if !req.Ping {
			out = mustLine(run(ctx, req))
		}
		if _, err := w.Write(out); err != nil {
			return fmt.Errorf("write response %d: %w", req.ID, err)
		}
	}
}

// readLine returns the next line without its newline. A line longer than max is
// consumed and returned empty (so it is ignored); a last line without a newline is
// returned with a nil error, then io.EOF.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			line = append(line, chunk...)
			if len(line) > max {
				tooLong, line = true, nil
			}
		}
		switch {
		case err == nil:
			return trimNewline(line), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return trimNewline(line), nil
		default:
			return nil, err
		}
	}
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// requestTimeout is a request's time limit: its timeoutMs, or defaultTimeout.
func requestTimeout(req request) time.Duration {
	if req.TimeoutMs > 0 {
		return time.Duration(req.TimeoutMs) * time.Millisecond
	}
	return defaultTimeout
}
