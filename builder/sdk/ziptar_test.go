package sdk

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"
)

const testPrefix = "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64/"

type zipEntry struct {
	name string
	mode uint32 // unix permission bits
	body string
}

func makeZip(t *testing.T, entries []zipEntry) *zip.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
		h.SetMode(0o644)
		if e.mode != 0 {
			h.SetMode(fs.FileMode(e.mode))
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, e.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

func testToolchainZip(t *testing.T) *zip.Reader {
	return makeZip(t, []zipEntry{
		{name: testPrefix + "src/fmt/print.go", body: "package fmt\n"},
		{name: testPrefix + "bin/go", body: "ELF go"},
		{name: testPrefix + "pkg/tool/linux_amd64/compile", body: "ELF compile"},
		{name: testPrefix + "lib/wasm/go_js_wasm_exec", mode: 0o755, body: "#!/bin/sh\n"},
		{name: testPrefix + "VERSION", body: "go1.99.0\n"},
		{name: testPrefix + "src/fmt-extra/x.go", body: "package x\n"},
	})
}

func convert(t *testing.T, zr *zip.Reader, epoch time.Time) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := zipToTar(zr, testPrefix, goRoot, epoch, &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestZipToTar(t *testing.T) {
	epoch := time.Unix(1700000000, 0)
	got := convert(t, testToolchainZip(t), epoch)
	if again := convert(t, testToolchainZip(t), epoch); !bytes.Equal(got, again) {
		t.Fatal("two conversions of the same zip differ")
	}
	wantModes := map[string]int64{
		"usr/":                                      0o755,
		"usr/local/":                                0o755,
		"usr/local/go/":                             0o755,
		"usr/local/go/VERSION":                      0o644,
		"usr/local/go/bin/":                         0o755,
		"usr/local/go/bin/go":                       0o755,
		"usr/local/go/lib/":                         0o755,
		"usr/local/go/lib/wasm/":                    0o755,
		"usr/local/go/lib/wasm/go_js_wasm_exec":     0o755,
		"usr/local/go/pkg/":                         0o755,
		"usr/local/go/pkg/tool/":                    0o755,
		"usr/local/go/pkg/tool/linux_amd64/":        0o755,
		"usr/local/go/pkg/tool/linux_amd64/compile": 0o755,
		"usr/local/go/src/":                         0o755,
		"usr/local/go/src/fmt-extra/":               0o755,
		"usr/local/go/src/fmt-extra/x.go":           0o644,
		"usr/local/go/src/fmt/":                     0o755,
		"usr/local/go/src/fmt/print.go":             0o644,
	}
	var names []string
	tr := tar.NewReader(bytes.NewReader(got))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		want, ok := wantModes[h.Name]
		if !ok {
			t.Errorf("unexpected entry %q", h.Name)
			continue
		}
		if h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d %q:%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(epoch) {
			t.Errorf("%s: mtime %v", h.Name, h.ModTime)
		}
		if isDir := strings.HasSuffix(h.Name, "/"); isDir != (h.Typeflag == tar.TypeDir) {
			t.Errorf("%s: type %c", h.Name, h.Typeflag)
		}
		if h.Name == "usr/local/go/bin/go" {
			if b, _ := io.ReadAll(tr); string(b) != "ELF go" {
				t.Errorf("bin/go content %q", b)
			}
		}
	}
	if len(names) != len(wantModes) {
		t.Errorf("got %d entries, want %d: %q", len(names), len(wantModes), names)
	}
	if !slices.IsSorted(names) {
		t.Errorf("entries not sorted: %q", names)
	}
	if other := convert(t, testToolchainZip(t), epoch.Add(time.Second)); bytes.Equal(got, other) {
		t.Error("epoch does not reach the tar")
	}
}

func TestZipToTarRejects(t *testing.T) {
	for name, e := range map[string]zipEntry{
		"outside prefix": {name: "other/x"},
		"dot-dot":        {name: testPrefix + "../x"},
		"unclean":        {name: testPrefix + "a//b"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := zipToTar(makeZip(t, []zipEntry{e}), testPrefix, goRoot, time.Unix(0, 0), io.Discard); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
