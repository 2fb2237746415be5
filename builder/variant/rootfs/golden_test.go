package rootfs

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGoldenDigest(t *testing.T) {
	fsys := filesystemPkg(t)
	busybox := mkPkg(t, "busybox", dir("usr/", 0o755), dir("usr/bin/", 0o755), ent{name: "usr/bin/busybox", typ: '0', mode: 0o4755, body: "#!bb\n"},
		hardlink("usr/bin/sh", "usr/bin/busybox"), symlink("usr/bin/ls", "busybox"),
		ent{name: "dev/null", typ: '3', mode: 0o666, pax: nil}, ent{name: "run/initctl", typ: '6', mode: 0o600})
	var log bytes.Buffer
	_, res := assemble(t, []Package{fsys, busybox}, WithFiles(extras()...), WithLog(&log))
	if !strings.Contains(log.String(), res.Digest) {
		t.Errorf("log %q does not end with the digest", log.String())
	}

	path := filepath.Join("testdata", "small.digest")
	if *update {
		if err := os.WriteFile(path, []byte(res.Digest+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make update-golden`)", err)
	}
	if got := res.Digest; got != strings.TrimSpace(string(want)) {
		t.Fatalf("rootfs tar digest %s, golden %s (run `make update-golden` if intended)", got, strings.TrimSpace(string(want)))
	}
}
