package control

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Version is the protocol version this package speaks.
const Version = 1

// request is one command for the agent.
type request struct {
	ID        int64    `json:"id"`
	Argv      []string `json:"argv,omitempty"`
	Stdin     string   `json:"stdin,omitempty"`
	TimeoutMs int64    `json:"timeoutMs,omitempty"`
	Ping      bool     `json:"ping,omitempty"`
}

// message is any line the agent writes: a hello or a response.
type message struct {
	Hello    string `json:"hello"`
	Version  int    `json:"version"`
	ID       *int64 `json:"id"`
	Exit     int    `json:"exit"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	Encoding string `json:"encoding"`
	Error    string `json:"error"`
}

// parseMessage reads a line; ok is false for lines that are not protocol messages.
func parseMessage(line []byte) (message, bool) {
	line = bytes.TrimSpace(line)
	i := bytes.IndexByte(line, '{')
	if i < 0 {
		return message{}, false
	}
	var m message
	if err := json.Unmarshal(line[i:], &m); err != nil {
		return message{}, false
	}
	if m.Hello == "" && m.ID == nil {
		return message{}, false
	}
	return m, true
}

// result decodes a response.
func (m message) result() (Result, error) {
	r := Result{Exit: m.Exit, Stdout: m.Stdout, Stderr: m.Stderr, Error: m.Error}
	switch m.Encoding {
	case "":
	case "base64":
		out, err := base64.StdEncoding.DecodeString(m.Stdout)
		if err != nil {
			return r, fmt.Errorf("control: response %d: stdout: %w", *m.ID, err)
		}
		errOut, err := base64.StdEncoding.DecodeString(m.Stderr)
		if err != nil {
			return r, fmt.Errorf("control: response %d: stderr: %w", *m.ID, err)
		}
		r.Stdout, r.Stderr = string(out), string(errOut)
	default:
		return r, fmt.Errorf("control: response %d: unknown encoding %q", *m.ID, m.Encoding)
	}
	return r, nil
}

// line is v as one JSON line, preceded by a newline that ends any partial line the
// agent may hold.
func line(v request) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("control: encode request: %w", err)
	}
	return append(append([]byte{'\n'}, b...), '\n'), nil
}
