package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"
)

// Version is the protocol version the hello line announces.
const Version = 1

// hello is the first line the agent writes, and its answer to a ping.
type hello struct {
	Hello   string `json:"hello"`
	Version int    `json:"version"`
}

var helloLine = mustLine(hello{Hello: "testsysd", Version: Version})

// request is one line from the host.
type request struct {
	ID        int64    `json:"id"`
	Argv      []string `json:"argv"`
	Stdin     string   `json:"stdin,omitempty"`
	TimeoutMs int64    `json:"timeoutMs,omitempty"`
	Ping      bool     `json:"ping,omitempty"`
}

// response answers one request.
type response struct {
	ID       int64  `json:"id"`
	Exit     int    `json:"exit"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	Encoding string `json:"encoding,omitempty"` // "base64" when stdout and stderr are
	Error    string `json:"error"`
}

// parseRequest reads a request from a line, tolerating noise before the opening
// brace; ok is false for anything else (empty lines, garbage, JSON without argv or
// ping).
func parseRequest(line []byte) (request, bool) {
	line = bytes.TrimSpace(line)
	i := bytes.IndexByte(line, '{')
	if i < 0 {
		return request{}, false
	}
	var req request
	if err := json.Unmarshal(line[i:], &req); err != nil {
		return request{}, false
	}
	if !req.Ping && len(req.Argv) == 0 {
		return request{}, false
	}
	return req, true
}

// newResponse builds the response of a finished command, base64-encoding the output
// when it is not valid UTF-8 (JSON strings cannot carry arbitrary bytes).
func newResponse(id int64, exit int, stdout, stderr []byte, errMsg string) response {
	r := response{ID: id, Exit: exit, Error: errMsg}
	if utf8.Valid(stdout) && utf8.Valid(stderr) {
		r.Stdout, r.Stderr = string(stdout), string(stderr)
		return r
	}
	r.Encoding = "base64"
	r.Stdout = base64.StdEncoding.EncodeToString(stdout)
	r.Stderr = base64.StdEncoding.EncodeToString(stderr)
	return r
}

// mustLine is v as one JSON line; v is always encodable.
func mustLine(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}
