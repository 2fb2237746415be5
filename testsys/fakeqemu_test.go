package testsys

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The tests run Run against this test binary standing in for QEMU (see TestMain):
// it prints a boot to the console and plays the guest on the control socket, with a
// simulated verity check of the target file, which lies in the disk at
// $FAKE_FILE_OFFSET with the content of the host file $FAKE_FILE.

const fakeQEMUEnv = "TESTSYS_FAKE_QEMU"

func TestMain(m *testing.M) {
	if os.Getenv(fakeQEMUEnv) != "" {
		os.Exit(fakeQEMUMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeQEMUMain is the fake QEMU's main.
func fakeQEMUMain(args []string) int {
	var sock, disk string
	for i := 0; i+1 < len(args); i++ {
		switch v := args[i+1]; args[i] {
		case "-chardev":
			sock = strings.ReplaceAll(regexp.MustCompile(`path=((?:[^,]|,,)*)`).FindStringSubmatch(v)[1], ",,", ",")
		case "-drive":
			if strings.Contains(v, "if=virtio") {
				disk = strings.ReplaceAll(regexp.MustCompile(`file=((?:[^,]|,,)*)`).FindStringSubmatch(v)[1], ",,", ",")
			}
		}
	}
	if sock == "" || disk == "" {
		fmt.Fprintln(os.Stderr, "fake qemu: no control socket or disk in", args)
		return 1
	}
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake qemu:", err)
		return 1
	}
	if os.Getenv("FAKE_BOOT_FAIL") != "" {
		fmt.Print("\x1b[2JBdsDxe: loading Boot0001\r\nKITBASH-BOOT-FAILED: no verity device\r\n")
		return 0
	}
	fmt.Print("\x1b[2JBdsDxe: loading Boot0001\r\n[bootstrap] hello KITBASH-BOOTSTRAP-OK from the container\r\n")
	fmt.Print(`KITBASH-READY {"services":5,"bootMs":4321}` + "\r\n")
	conn, err := ln.Accept()
	if err != nil {
		return 1
	}
	g := &fakeGuest{disk: disk, motd: "Welcome to Kitbash"}
	sc := bufio.NewScanner(conn)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var req struct {
			ID   int64    `json:"id"`
			Argv []string `json:"argv"`
			Ping bool     `json:"ping"`
		}
		if json.Unmarshal(sc.Bytes(), &req) != nil {
			continue
		}
		if req.Ping {
			conn.Write([]byte(`{"hello":"testsysd","version":1}` + "\n"))
			continue
		}
		exit, stdout, stderr := g.run(req.Argv)
		resp := map[string]any{"id": req.ID, "exit": exit, "stdout": stdout, "stderr": stderr, "error": ""}
		if strings.Contains(strings.Join(req.Argv, " "), "dd if=") {
			resp["encoding"] = "base64"
			resp["stdout"] = base64.StdEncoding.EncodeToString([]byte(stdout))
		}
		b, _ := json.Marshal(resp)
		conn.Write(append(b, '\n'))
	}
	return 0
}

type fakeGuest struct {
	disk string
	motd string
}

// file reads the target file from the disk the way a verity root would: corrupted
// data makes the kernel report it and restart (here: exit).
func (g *fakeGuest) file() []byte {
	want, _ := os.ReadFile(os.Getenv("FAKE_FILE"))
	off, _ := strconv.ParseInt(os.Getenv("FAKE_FILE_OFFSET"), 10, 64)
	f, _ := os.Open(g.disk)
	defer f.Close()
	got := make([]byte, len(want))
	f.ReadAt(got, off)
	for i := range got {
		if got[i] != want[i] {
			fmt.Printf("[   12.3] device-mapper: verity: 254:0: data block %d is corrupted\r\n", (off-(1<<20)+int64(i))/4096)
			os.Exit(0)
		}
	}
	return got
}

func (g *fakeGuest) run(argv []string) (int, string, string) {
	cmd := strings.Join(argv, " ")
	sum := func() string { s := sha256.Sum256(g.file()); return hex.EncodeToString(s[:]) }
	switch {
	case cmd == "/usr/bin/cat /proc/cmdline":
		return 0, "BOOT_IMAGE=/a/vmlinuz quiet kitbash.roothash=" + os.Getenv("FAKE_ROOTHASH") + " kitbash.slot=a\n", ""
	case cmd == "/usr/bin/cat /usr/lib/os-release":
		return 0, "NAME=Kitbash\nVARIANT_ID=dev\nVERSION_ID=\"0.1.0\"\n", ""
	case strings.HasPrefix(cmd, "/usr/bin/ctr --address /run/containerd/containerd.sock -n bootstrap containers ls -q"):
		return 0, "bootstrap\n", ""
	case cmd == "/usr/bin/ctr --address /run/containerd/containerd.sock plugins ls":
		return 0, ctrPluginsOK, ""
	case cmd == "/usr/bin/apiclient get motd":
		b, _ := json.Marshal(map[string]string{"motd": g.motd})
		return 0, string(b), ""
	case cmd == "/usr/bin/apiclient get":
		b, _ := json.Marshal(map[string]any{"motd": g.motd, "net": map[string]int{"mtu": 1500}})
		return 0, string(b), ""
	case strings.HasPrefix(cmd, "/usr/bin/apiclient set motd="):
		g.motd = strings.TrimPrefix(cmd, "/usr/bin/apiclient set motd=")
		return 0, "changed: motd\n", ""
	case strings.HasPrefix(cmd, "/usr/bin/apiclient set "):
		return 1, "", "apiclient: PATCH /v1/settings: 400\n  no.such.key: unknown setting\n"
	case cmd == "/usr/bin/cat /run/motd":
		return 0, g.motd + "\n", ""
	case strings.HasPrefix(cmd, "/usr/bin/sh -c wc -c < '/usr/bin/updater' && sha256sum"):
		return 0, fmt.Sprintf("%d\n%s  /usr/bin/updater\n", len(g.file()), sum()), ""
	case strings.HasPrefix(cmd, "/usr/bin/sh -c dd if='/usr/bin/updater'"):
		m := regexp.MustCompile(`bs=(\d+) skip=(\d+) count=(\d+)`).FindStringSubmatch(cmd)
		bs, _ := strconv.Atoi(m[1])
		skip, _ := strconv.Atoi(m[2])
		count, _ := strconv.Atoi(m[3])
		data := g.file()
		return 0, string(data[bs*skip : min(len(data), bs*(skip+count))]), ""
	case cmd == "/usr/bin/sha256sum /usr/bin/updater":
		return 0, sum() + "  /usr/bin/updater\n", ""
	}
	return 127, "", "fake guest: unknown command " + cmd
}

// ctrPluginsOK is `ctr plugins ls` of a containerd whose plugins all loaded or skipped.
const ctrPluginsOK = `TYPE                                      ID                       PLATFORMS      STATUS
io.containerd.content.v1                  content                  -              ok
io.containerd.snapshotter.v1              overlayfs                linux/amd64    ok
io.containerd.snapshotter.v1              zfs                      linux/amd64    skip
io.containerd.grpc.v1                     cri                      -              ok
`
