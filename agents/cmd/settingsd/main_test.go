package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestListenRootOnly(t *testing.T) {
	dir, err := os.MkdirTemp("", "kbsd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "run", "api.sock")
	for i := 0; i < 2; i++ { // the second time replaces a stale socket
		ln, err := listen(sock, "")
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(sock)
		if err != nil || st.Mode().Perm() != 0o600 || st.Mode()&os.ModeSocket == 0 {
			t.Fatalf("socket %v %v", st.Mode(), err)
		}
		if i == 0 {
			// leave it behind as a crash would
			ln.(*net.UnixListener).SetUnlinkOnClose(false)
		}
		ln.Close()
	}
	if err := os.WriteFile(sock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := listen(sock, ""); err == nil {
		t.Fatal("a regular file was replaced")
	}
}

func TestListenGroup(t *testing.T) {
	dir, err := os.MkdirTemp("", "kbsd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "api.sock")
	ln, err := listen(sock, strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if st, err := os.Stat(sock); err != nil || st.Mode().Perm() != 0o660 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	if _, err := listen(filepath.Join(dir, "b.sock"), "no-such-group-kitbash"); err == nil {
		t.Fatal("unknown group accepted")
	}
}

func TestOSVersion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(p, []byte("NAME=Kitbash\nVERSION_ID=\"1.2.3\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if v, err := osVersion(p); err != nil || v != "1.2.3" {
		t.Fatalf("%q %v", v, err)
	}
	if err := os.WriteFile(p, []byte("NAME=Kitbash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := osVersion(p); err == nil {
		t.Fatal("no VERSION_ID accepted")
	}
}

func TestUpdaterFlag(t *testing.T) {
	var errb strings.Builder
	c, err := parseFlags(nil, &errb)
	if err != nil || c.updater != "/usr/bin/updater" {
		t.Fatalf("default --updater %q, %v", c.updater, err)
	}
	if c, err = parseFlags([]string{"--updater", "/opt/updater"}, &errb); err != nil || c.updater != "/opt/updater" {
		t.Fatalf("--updater %q, %v", c.updater, err)
	}
}
