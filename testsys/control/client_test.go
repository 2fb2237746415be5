package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeAgent serves one connection on a Unix socket: it says hello (at once, or only
// when pinged if lateHello) and answers requests with handle's result. It returns the
// socket path; the requests it saw arrive on reqs.
func fakeAgent(t *testing.T, lateHello bool, handle func(conn net.Conn, req request)) (string, <-chan request) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "ctl.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	reqs := make(chan request, 100)
	go func() {
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer conn.Close()
		if !lateHello {
			conn.Write([]byte(`{"hello":"testsysd","version":1}` + "\n"))
		}
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			var req request
			if json.Unmarshal(sc.Bytes(), &req) != nil {
				continue
			}
			if req.Ping {
				conn.Write([]byte("console noise\n" + `{"hello":"testsysd","version":1}` + "\n"))
				continue
			}
			reqs <- req
			if handle != nil {
				handle(conn, req)
			}
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return sock, reqs
}

func reply(conn net.Conn, v any) {
	b, _ := json.Marshal(v)
	conn.Write(append(b, '\n'))
}

func TestExecRoundTrip(t *testing.T) {
	sock, reqs := fakeAgent(t, false, func(conn net.Conn, req request) {
		// A stale answer and noise first; the real answer last.
		reply(conn, map[string]any{"id": req.ID + 100, "exit": 9})
		conn.Write([]byte("[    3.2] random kernel line\n"))
		reply(conn, map[string]any{"id": req.ID, "exit": 2, "stdout": "out:" + strings.Join(req.Argv, " ") + ":" + req.Stdin, "stderr": "bad thing\n", "error": ""})
	})
	c, err := Dial(t.Context(), sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Exec(t.Context(), []string{"cat", "-"}, "in")
	if err != nil {
		t.Fatal(err)
	}
	if res.Exit != 2 || res.Stdout != "out:cat -:in" || res.Stderr != "bad thing\n" {
		t.Errorf("result %+v", res)
	}
	if err := res.Err(); err == nil || err.Error() != "exit status 2: bad thing" {
		t.Errorf("Err() = %v", err)
	}
	req := <-reqs
	if req.ID != 1 || req.TimeoutMs != DefaultCommandTimeout.Milliseconds() {
		t.Errorf("request %+v", req)
	}
	res, err = c.Exec(t.Context(), []string{"true"}, "")
	if err != nil || res.Stdout != "out:true:" || (<-reqs).ID != 2 {
		t.Errorf("second Exec = %+v, %v", res, err)
	}
}

func TestDialWaitsForTheSocketAndPingsForHello(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ctl.sock")
	got := make(chan error, 1)
	go func() {
		c, err := Dial(t.Context(), sock, WithPingInterval(10*time.Millisecond))
		if err == nil {
			c.Close()
		}
		got <- err
	}()
	// The socket appears later, and the agent only says hello when pinged.
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"ping":true`) {
			conn.Write([]byte(`{"hello":"testsysd","version":1}` + "\n"))
			break
		}
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

func TestDialContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, filepath.Join(t.TempDir(), "none.sock"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "none.sock") {
		t.Errorf("Dial = %v", err)
	}
	// Connected, but the agent never says hello.
	ctx2, cancel2 := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel2()
	sock2 := filepath.Join(t.TempDir(), "mute.sock")
	ln, err := net.Listen("unix", sock2)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		conn, _ := ln.Accept()
		accepted <- conn
	}()
	if _, err := Dial(ctx2, sock2); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "hello") {
		t.Errorf("Dial to a mute agent = %v", err)
	}
	if conn := <-accepted; conn != nil {
		conn.Close()
	}
}

func TestExecWhenTheGuestGoesAway(t *testing.T) {
	sock, _ := fakeAgent(t, false, func(conn net.Conn, req request) {
		conn.Write([]byte("device-mapper: verity: data block 9 is corrupted\n"))
		conn.Close()
	})
	c, err := Dial(t.Context(), sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Exec(t.Context(), []string{"sha256sum", "/usr/bin/updater"}, "")
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Exec = %v, want ErrClosed", err)
	}
	<-c.Done()
	if _, err := c.Exec(t.Context(), []string{"true"}, ""); !errors.Is(err, ErrClosed) {
		t.Errorf("Exec after close = %v", err)
	}
}

func TestExecDeadlineBecomesTheAgentTimeout(t *testing.T) {
	sock, reqs := fakeAgent(t, false, func(conn net.Conn, req request) {
		reply(conn, map[string]any{"id": req.ID, "exit": -1, "error": "timed out after 1s"})
	})
	c, err := Dial(t.Context(), sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	res, err := c.Exec(ctx, []string{"sleep", "10"}, "")
	if err != nil || res.Err() == nil || res.Err().Error() != "timed out after 1s" {
		t.Errorf("Exec = %+v, %v", res, err)
	}
	if req := <-reqs; req.TimeoutMs <= 0 || req.TimeoutMs >= time.Hour.Milliseconds() {
		t.Errorf("timeoutMs %d, want below the context's hour", req.TimeoutMs)
	}
}

func TestExecContextEndsWithoutAnswer(t *testing.T) {
	sock, _ := fakeAgent(t, false, nil) // never answers
	c, err := Dial(t.Context(), sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Exec(ctx, []string{"true"}, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Exec = %v", err)
	}
	if _, err := c.Exec(t.Context(), nil, ""); err == nil {
		t.Error("empty argv: no error")
	}
}

func TestBase64Result(t *testing.T) {
	id := int64(3)
	m := message{ID: &id, Encoding: "base64", Stdout: "/wBvaw==", Stderr: ""}
	r, err := m.result()
	if err != nil || r.Stdout != "\xff\x00ok" {
		t.Errorf("result = %+v, %v", r, err)
	}
	m.Encoding = "rot13"
	if _, err := m.result(); err == nil {
		t.Error("unknown encoding: no error")
	}
}

func TestOptionErrors(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	if _, err := New(t.Context(), a, WithCommandTimeout(0)); err == nil {
		t.Error("zero timeout: no error")
	}
	if _, err := New(t.Context(), a, WithPingInterval(-1)); err == nil {
		t.Error("negative interval: no error")
	}
}

// TestAgainstTestsysd runs the real agent (built from the agents module) on pipes
// behind a Unix socket.
func TestAgainstTestsysd(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go not in PATH: %v", err)
	}
	agentDir, err := filepath.Abs(filepath.Join("..", "..", "agents"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(agentDir, "cmd", "testsysd")); err != nil {
		t.Skipf("agents module not found: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "testsysd")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/testsysd")
	build.Dir = agentDir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build testsysd: %v\n%s", err, out)
	}
	sock := filepath.Join(t.TempDir(), "ctl.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		cmd := exec.Command(bin, "-stdio")
		cmd.Stdin, cmd.Stdout = conn, conn
		cmd.Run()
	}()
	c, err := Dial(t.Context(), sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Exec(t.Context(), []string{"sh", "-c", "cat; printf '\\377' >&2; exit 4"}, "hello\n")
	if err != nil {
		t.Fatal(err)
	}
	if res.Exit != 4 || res.Stdout != "hello\n" || res.Stderr != "\xff" || res.Error != "" {
		t.Errorf("result %+v", res)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	res, err = c.Exec(ctx, []string{"sleep", "30"}, "")
	if err != nil || !strings.Contains(res.Error, "timed out") {
		t.Errorf("timeout: %+v, %v", res, err)
	}
}
