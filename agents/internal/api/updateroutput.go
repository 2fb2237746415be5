package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// maxUpdaterOutput bounds what is kept of the updater's stdout, its JSON result.
const maxUpdaterOutput = 1 << 20

// parseChoice checks that out, what "updater check" printed, is an updater.Choice: a
// JSON object with a reason.
func parseChoice(out []byte) (json.RawMessage, error) {
	var c struct {
		Reason *string `json:"reason"`
	}
	if err := json.Unmarshal(out, &c); err != nil {
		return nil, fmt.Errorf("the updater's choice: %w", err)
	}
	if c.Reason == nil {
		return nil, errors.New("the updater's choice: no reason in it")
	}
	return json.RawMessage(bytes.TrimSpace(out)), nil
}

// parseApplyOutput reads what "updater apply" printed: {"choice": C, "result": R} when
// it applied an update, or the choice C alone when there was none (result nil).
func parseApplyOutput(out []byte) (choice, result json.RawMessage, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(out, &fields); err != nil {
		return nil, nil, fmt.Errorf("the updater's result: %w", err)
	}
	if _, ok := fields["result"]; !ok {
		choice, err := parseChoice(out)
		return choice, nil, err
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(fields["result"], &res); err != nil || res == nil {
		return nil, nil, fmt.Errorf("the updater's result: %q is not an object", fields["result"])
	}
	if choice, err = parseChoice(fields["choice"]); err != nil {
		return nil, nil, err
	}
	return choice, fields["result"], nil
}

// lineWriter calls line for each line written to it, without its '\n' (or "\r\n").
// Lines longer than logLineBytes are cut there. It is written by one goroutine at a
// time (os/exec's copy of the child's stderr, then Flush once the child is waited for).
type lineWriter struct {
	line func(string)
	buf  []byte
}

// logLineBytes is the longest stderr line kept.
const logLineBytes = 4096

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 && len(w.buf) < logLineBytes {
			break
		}
		if i < 0 || i > logLineBytes {
			w.emit(w.buf[:logLineBytes])
			w.buf = w.buf[logLineBytes:]
			continue
		}
		w.emit(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	w.buf = append([]byte(nil), w.buf...) // do not pin a large consumed buffer
	return len(p), nil
}

// Flush passes on an unterminated last line.
func (w *lineWriter) Flush() {
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = nil
	}
}

func (w *lineWriter) emit(b []byte) {
	w.line(string(bytes.TrimSuffix(b, []byte("\r"))))
}

// cappedBuffer keeps the first max bytes written to it and notes whether there were
// more.
type cappedBuffer struct {
	buf      bytes.Buffer
	max      int
	overflow bool
}

// Write always reports all of p written, so that the copy from the child goes on.
func (b *cappedBuffer) Write(p []byte) (int, error) {
	keep := p
	if room := b.max - b.buf.Len(); len(keep) > room {
		b.overflow = true
		keep = keep[:max(room, 0)]
	}
	b.buf.Write(keep)
	return len(p), nil
}

// Bytes returns what was kept, or an error when some was dropped.
func (b *cappedBuffer) Bytes() ([]byte, error) {
	if b.overflow {
		return nil, fmt.Errorf("the updater printed more than %d bytes", b.max)
	}
	return b.buf.Bytes(), nil
}
