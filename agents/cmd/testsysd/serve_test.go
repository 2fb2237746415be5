package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
)

// agent runs serve on a pair of pipes and returns the host's ends: w to send
// requests, r to read lines, and done, which yields serve's result.
func agent(t *testing.T, run runner) (w io.WriteCloser, r *bufio.Reader, done <-chan error) {
	t.Helper()
	reqR, reqW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() {
		ch <- serve(t.Context(), reqR, respW, run)
		respW.Close()
	}()
	t.Cleanup(func() { reqW.Close(); reqR.Close(); respR.Close() })
	return reqW, bufio.NewReader(respR), ch
}

func readJSON(t *testing.T, r *bufio.Reader, v any) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read line: %v (got %q)", err, line)
	}
	if err := json.Unmarshal([]byte(line), v); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	return line
}

func send(t *testing.T, w io.Writer, s string) {
	t.Helper()
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
}

func TestServeHelloAndCommands(t *testing.T) {
	w, r, done := agent(t, execCommand)
	var h hello
	if line := readJSON(t, r, &h); line != `{"hello":"testsysd","version":1}`+"\n" {
		t.Errorf("hello line %q", line)
	}
	// Noise, an empty line, JSON that is no request, then real requests.
	send(t, w, "garbage\n\n{\"id\":9}\n\x00\x1b[0m{\"id\":1,\"argv\":[\"sh\",\"-c\",\"cat; echo err >&2; exit 3\"],\"stdin\":\"in put\"}\r\n")
	var resp response
	readJSON(t, r, &resp)
	if resp.ID != 1 || resp.Exit != 3 || resp.Stdout != "in put" || resp.Stderr != "err\n" || resp.Error != "" || resp.Encoding != "" {
		t.Errorf("response %+v", resp)
	}
	send(t, w, `{"id":2,"argv":["/no/such/binary"]}`+"\n")
	resp = response{}
	readJSON(t, r, &resp)
	if resp.ID != 2 || resp.Exit != -1 || !strings.Contains(resp.Error, "no such file") {
		t.Errorf("missing binary: %+v", resp)
	}
	send(t, w, `{"ping":true}`+"\n")
	h = hello{}
	if readJSON(t, r, &h); h.Hello != "testsysd" || h.Version != Version {
		t.Errorf("ping answer %+v", h)
	}
	w.Close()
	if err := <-done; err != nil {
		t.Errorf("serve after EOF = %v", err)
	}
}

func TestServeTimeoutKillsTheGroup(t *testing.T) {
	w, r, _ := agent(t, execCommand)
	readJSON(t, r, &hello{})
	// The background sleep keeps the pipes open; the whole group must die.
	send(t, w, `{"id":5,"argv":["sh","-c","sleep 60 & echo started; wait"],"timeoutMs":300}`+"\n")
	var resp response
	readJSON(t, r, &resp)
	if resp.ID != 5 || resp.Exit != -1 || !strings.Contains(resp.Error, "timed out after 300ms") || resp.Stdout != "started\n" {
		t.Errorf("response %+v", resp)
	}
}

func TestServeBinaryOutputIsBase64(t *testing.T) {
	w, r, _ := agent(t, execCommand)
	readJSON(t, r, &hello{})
	send(t, w, `{"id":1,"argv":["printf","\\377\\000ok"]}`+"\n")
	var resp response
	readJSON(t, r, &resp)
	got, err := base64.StdEncoding.DecodeString(resp.Stdout)
	if resp.Encoding != "base64" || err != nil || string(got) != "\xff\x00ok" {
		t.Errorf("response %+v (decoded %q, %v)", resp, got, err)
	}
}

func TestServeOneAtATimeInOrder(t *testing.T) {
	var seen []int64
	fake := func(_ context.Context, req request) response {
		seen = append(seen, req.ID)
		return newResponse(req.ID, 0, []byte(strings.Join(req.Argv, " ")), nil, "")
	}
	w, r, _ := agent(t, fake)
	readJSON(t, r, &hello{})
	send(t, w, `{"id":1,"argv":["a"]}`+"\n"+`{"id":2,"argv":["b","c"]}`+"\n")
	for i, want := range []string{"a", "b c"} {
		var resp response
		readJSON(t, r, &resp)
		if resp.ID != int64(i+1) || resp.Stdout != want {
			t.Errorf("response %d: %+v", i, resp)
		}
	}
	if len(seen) != 2 {
		t.Errorf("ran %v", seen)
	}
}

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 100)
	br := bufio.NewReaderSize(strings.NewReader("a\r\n"+long+"\nb\nlast"), 16)
	var got []string
	for {
		l, err := readLine(br, 50)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(l))
	}
	if strings.Join(got, "|") != "a||b|last" {
		t.Errorf("lines %q", got)
	}
}

func TestParseRequest(t *testing.T) {
	for in, ok := range map[string]bool{
		`{"id":1,"argv":["x"]}`:      true,
		`junk {"id":1,"argv":["x"]}`: true,
		`{"ping":true}`:              true,
		`{"id":1}`:                   false,
		`{"id":1,"argv":[]}`:         false,
		`{"id":1,"argv":`:            false,
		`hello`:                      false,
		``:                           false,
	} {
		if _, got := parseRequest([]byte(in)); got != ok {
			t.Errorf("parseRequest(%q) ok = %v", in, got)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-port", "/dev/x", "-stdio"}, {"-stdio", "extra"}} {
		var errOut strings.Builder
		if code := run(args, strings.NewReader(""), io.Discard, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage") {
			t.Errorf("run(%q) = %d, %q", args, code, errOut.String())
		}
	}
	var out strings.Builder
	if code := run([]string{"-stdio"}, strings.NewReader(`{"id":1,"argv":["echo","hi"]}`), &out, io.Discard); code != 0 {
		t.Fatalf("run -stdio = %d", code)
	}
	if want := `{"hello":"testsysd","version":1}` + "\n" + `{"id":1,"exit":0,"stdout":"hi\n","stderr":"","error":""}` + "\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
