package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
	"github.com/kitbash-dev/kitbash/agents/internal/updater"
)

type memRepo map[string][]byte

func (r memRepo) Refresh(context.Context) error { return nil }
func (r memRepo) TargetLength(name string) (int64, error) {
	b, ok := r[name]
	if !ok {
		return 0, fmt.Errorf("no target %s", name)
	}
	return int64(len(b)), nil
}
func (r memRepo) Download(ctx context.Context, name string, w io.Writer) error {
	b, ok := r[name]
	if !ok {
		return fmt.Errorf("no target %s", name)
	}
	_, err := w.Write(b)
	return err
}

func hexSum(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func zst(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := zstd.NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// testSystem is a machine booted from slot A (0.1.0) and a repository publishing
// 0.2.0; rebooted counts reboot requests.
func testSystem(t *testing.T, version string) (system, *int, string) {
	dir := t.TempDir()
	esp := filepath.Join(dir, "esp")
	rootA, hashA, rootB, hashB := "11111111-2222-3333-4444-555555555555", "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90", "66666666-7777-8888-9999-aaaaaaaaaaaa", "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"
	slotA := updater.BootSlot{Name: "a", Version: "0.1.0", Root: rootA, Hash: hashA, RootHash: hexSum("a"), DataBlocks: 1}
	entryA := updater.Entry(updater.BootConfig{OSName: "kitbash"}, slotA)
	write(t, filepath.Join(esp, "loader/loader.conf"), []byte("default kitbash-*\n"))
	write(t, filepath.Join(esp, "loader/entries/kitbash-a.conf"), entryA)
	write(t, filepath.Join(esp, "a/vmlinuz"), []byte("k"))
	write(t, filepath.Join(esp, "a/initrd"), []byte("i"))
	write(t, filepath.Join(dir, "cmdline"), []byte(updater.Cmdline(updater.BootConfig{}, slotA)))
	for _, d := range []string{"rootb", "hashb"} {
		write(t, filepath.Join(dir, d), make([]byte, 64<<10))
	}
	parts := []bootslot.Partition{
		{Number: 2, UUID: rootA, Name: "ROOT-A"}, {Number: 3, UUID: hashA, Name: "HASH-A"},
		{Number: 4, UUID: rootB, Name: "ROOT-B", Dev: filepath.Join(dir, "rootb")},
		{Number: 5, UUID: hashB, Name: "HASH-B", Dev: filepath.Join(dir, "hashb")},
	}
	host := bootslot.Paths{ESP: esp, CmdlineFile: filepath.Join(dir, "cmdline"), GPT: func() ([]bootslot.Partition, error) { return parts, nil }}

	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	meta := fmt.Sprintf(`{"version":"0.2.0","parameters":["console=ttyS0"],"rootHash":%q,"salt":"","dataBlocks":4}`, hexSum("b"))
	for _, f := range []struct{ name, data string }{{"boot.json", meta}, {"initrd", "initrd b"}, {"vmlinuz", "kernel b"}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg})
		tw.Write([]byte(f.data))
	}
	tw.Close()
	manifest := `{"updates":[{"variant":"dev","arch":"x86_64","version":"0.2.0","max_version":"0.2.0","waves":{},
	  "images":{"root":"root.zst","hash":"hash.zst","boot":"boot.zst"}}],"migrations":{"(0.1.0, 0.2.0)":[]}}`
	repo := memRepo{"manifest.json": []byte(manifest), "root.zst": zst(t, []byte("root image b")),
		"hash.zst": zst(t, []byte("hash tree b")), "boot.zst": zst(t, tb.Bytes())}
	rebooted := 0
	return system{
		loadConfig: func(path string) (updater.Config, error) {
			if path != "/etc/test-updater.json" {
				return updater.Config{}, fmt.Errorf("config path %s", path)
			}
			return updater.Config{MetadataURL: "https://example/metadata", VersionLock: "latest", Variant: "dev", Arch: "x86_64", Version: version}, nil
		},
		repository: func(updater.Config) (updater.Repository, error) { return repo, nil },
		open:       func(bool) (bootslot.Host, func() error, error) { return host, func() error { return nil }, nil },
		privateDir: filepath.Join(dir, "private"),
		reboot:     func(context.Context) error { rebooted++; return nil },
	}, &rebooted, dir
}

func runCmd(t *testing.T, sys system, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append(args, "-config", "/etc/test-updater.json"), &out, &errb, sys)
	return code, out.String(), errb.String()
}

func TestCheck(t *testing.T) {
	sys, _, _ := testSystem(t, "0.1.0")
	code, out, stderr := runCmd(t, sys, "check")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var ch updater.Choice
	if err := json.Unmarshal([]byte(out), &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Update == nil || ch.Update.Version != "0.2.0" || ch.Reason == "" {
		t.Errorf("check: %s", out)
	}
	sys, _, _ = testSystem(t, "0.2.0")
	if _, out, _ = runCmd(t, sys, "check"); !strings.Contains(out, `"update": null`) || !strings.Contains(out, "is the chosen version") {
		t.Errorf("check on the newest: %s", out)
	}
}

func TestApplyReboot(t *testing.T) {
	sys, rebooted, dir := testSystem(t, "0.1.0")
	code, out, stderr := runCmd(t, sys, "apply", "-reboot")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if *rebooted != 1 {
		t.Errorf("rebooted %d times", *rebooted)
	}
	if !strings.Contains(out, `"entry": "kitbash-b+1.conf"`) || !strings.Contains(stderr, "root root.zst") {
		t.Errorf("stdout %s\nstderr %s", out, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "rootb")); err != nil || !bytes.HasPrefix(b, []byte("root image b")) {
		t.Errorf("ROOT-B: %q, %v", b[:16], err)
	}
	// Status now: staged.
	code, out, _ = runCmd(t, sys, "status")
	if code != exitOK || !strings.Contains(out, `"state": "staged"`) {
		t.Errorf("status %d: %s", code, out)
	}
	// Nothing to apply: no reboot.
	sys, rebooted, _ = testSystem(t, "0.2.0")
	if code, _, _ := runCmd(t, sys, "apply", "-reboot"); code != exitOK || *rebooted != 0 {
		t.Errorf("apply without an update: exit %d, rebooted %d", code, *rebooted)
	}
}

func TestErrors(t *testing.T) {
	sys, rebooted, _ := testSystem(t, "0.1.0")
	sys.open = func(bool) (bootslot.Host, func() error, error) { return nil, nil, errors.New("no ESP") }
	if code, _, stderr := runCmd(t, sys, "apply", "-reboot"); code != exitError || !strings.Contains(stderr, "updater: apply: no ESP") || *rebooted != 0 {
		t.Errorf("exit %d: %s", code, stderr)
	}
	var out, errb bytes.Buffer
	for _, args := range [][]string{nil, {"frob"}, {"check", "extra"}, {"check", "-reboot"}} {
		if code := run(context.Background(), args, &out, &errb, sys); code != exitUsage {
			t.Errorf("%q: exit %d", args, code)
		}
	}
}

// With -progress json every progress report is one JSON object on its own stderr line;
// the other lines (the update chosen, the reboot) stay text, and stdout is unchanged.
func TestApplyProgressJSON(t *testing.T) {
	sys, rebooted, _ := testSystem(t, "0.1.0")
	code, out, stderr := runCmd(t, sys, "apply", "-reboot", "-progress", "json")
	if code != exitOK || *rebooted != 1 {
		t.Fatalf("exit %d, rebooted %d: %s", code, *rebooted, stderr)
	}
	if !strings.Contains(out, `"entry": "kitbash-b+1.conf"`) {
		t.Errorf("stdout %s", out)
	}
	var reports []updater.Progress
	var text []string
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if !strings.HasPrefix(line, "{") {
			text = append(text, line)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var p updater.Progress
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("progress line %q: %v", line, err)
		}
		reports = append(reports, p)
	}
	if len(text) != 2 || !strings.HasPrefix(text[0], "updater: ") || !strings.HasPrefix(text[1], "updater: rebooting into 0.2.0 (slot b)") {
		t.Errorf("text lines %q", text)
	}
	steps := map[string]updater.Progress{}
	for _, p := range reports {
		steps[p.Step] = p
	}
	root := steps["root"]
	if root.Target != "root.zst" || !root.Done || root.Written != int64(len("root image b")) || root.Length == 0 || root.Downloaded != root.Length {
		t.Errorf("last root report %+v", root)
	}
	if len(reports) == 0 || reports[0] != (updater.Progress{Step: "clear"}) || reports[len(reports)-1] != (updater.Progress{Step: "done", Done: true}) {
		t.Errorf("reports %+v", reports)
	}
	// The wire form settingsd reads.
	for _, want := range []string{`{"step":"clear","written":0,"downloaded":0}`,
		fmt.Sprintf(`{"step":"root","target":"root.zst","written":12,"downloaded":%d,"length":%d,"done":true}`, root.Length, root.Length)} {
		if !strings.Contains(stderr, "\n"+want+"\n") {
			t.Errorf("no line %s in\n%s", want, stderr)
		}
	}

	// text, the default, prints no JSON.
	sys, _, _ = testSystem(t, "0.1.0")
	if code, _, stderr := runCmd(t, sys, "apply", "-progress", "text"); code != exitOK || strings.Contains(stderr, "{") || !strings.Contains(stderr, "updater: root root.zst: ") {
		t.Errorf("text progress: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCmd(t, sys, "apply", "-progress", "yaml"); code != exitUsage || !strings.Contains(stderr, `-progress "yaml": use text or json`) {
		t.Errorf("-progress yaml: exit %d: %s", code, stderr)
	}
	if code, _, _ := runCmd(t, sys, "check", "-progress", "json"); code != exitUsage {
		t.Errorf("check -progress json: exit %d", code)
	}
}
