package source

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// writeModule puts module mod@ver with files into a file:// GOPROXY tree at dir and
// returns its go.sum h1 hash.
func writeModule(t *testing.T, dir, mod, ver string, files map[string]string) string {
	t.Helper()
	at := filepath.Join(dir, filepath.FromSlash(mod), "@v")
	must(t, os.MkdirAll(at, 0o755))
	must(t, os.WriteFile(filepath.Join(at, "list"), []byte(ver+"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(at, ver+".info"), []byte(`{"Version":"`+ver+`","Time":"2024-01-01T00:00:00Z"}`), 0o644))
	must(t, os.WriteFile(filepath.Join(at, ver+".mod"), []byte(files["go.mod"]), 0o644))
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf, summary bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		full := mod + "@" + ver + "/" + n
		w, err := zw.Create(full)
		must(t, err)
		_, err = io.WriteString(w, files[n])
		must(t, err)
		fmt.Fprintf(&summary, "%x  %s\n", sha256.Sum256([]byte(files[n])), full)
	}
	must(t, zw.Close())
	must(t, os.WriteFile(filepath.Join(at, ver+".zip"), buf.Bytes(), 0o644))
	sum := sha256.Sum256(summary.Bytes())
	return "h1:" + base64.StdEncoding.EncodeToString(sum[:])
}

// fileProxy builds a GOPROXY with example.com/app v1.0.0, which imports
// example.com/dep v1.0.0 (with a go.sum listing it, or none), and returns the go
// env and app's h1.
func fileProxy(t *testing.T, withGoSum bool) ([]string, string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	depMod := "module example.com/dep\n\ngo 1.22\n"
	depH1 := writeModule(t, dir, "example.com/dep", "v1.0.0", map[string]string{
		"go.mod": depMod,
		"dep.go": "package dep\n\nconst X = 1\n",
	})
	app := map[string]string{
		"go.mod":  "module example.com/app\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n",
		"main.go": "package main\n\nimport \"example.com/dep\"\n\nfunc main() { _ = dep.X }\n",
	}
	if withGoSum {
		modSum := sha256.Sum256([]byte(fmt.Sprintf("%x  go.mod\n", sha256.Sum256([]byte(depMod)))))
		app["go.sum"] = "example.com/dep v1.0.0 " + depH1 + "\nexample.com/dep v1.0.0/go.mod h1:" +
			base64.StdEncoding.EncodeToString(modSum[:]) + "\n"
	}
	h1 := writeModule(t, dir, "example.com/app", "v1.0.0", app)
	env := []string{"PATH=" + filepath.Dir(goBin), "GOPROXY=file://" + filepath.ToSlash(dir),
		"GOSUMDB=off", "GOTOOLCHAIN=local", "GOENV=off"}
	return env, h1
}

func TestGomodFileProxy(t *testing.T) {
	for _, withGoSum := range []bool{true, false} {
		t.Run(fmt.Sprintf("go.sum=%v", withGoSum), func(t *testing.T) { testGomodFileProxy(t, withGoSum) })
	}
}

func testGomodFileProxy(t *testing.T, withGoSum bool) {
	env, h1 := fileProxy(t, withGoSum)
	req := Request{Kind: KindGomod, Gomod: "example.com/app", Version: "v1.0.0", H1: h1}
	var first Fetched
	for i := range 2 {
		var log bytes.Buffer
		f, dir := newTestFetcher(t, WithGoEnv(env), WithSourceDateEpoch(1234567890), WithLog(&log))
		got, err := f.Fetch(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "example.com_app@v1.0.0" || got.Path != filepath.Join(dir, "sha256", strings.TrimPrefix(got.Digest, "sha256:")) {
			t.Fatalf("got %+v", got)
		}
		if s, n, err := hashFile(got.Path); err != nil || "sha256:"+s != got.Digest || n != got.Size {
			t.Fatalf("blob %s %d %v", s, n, err)
		}
		entries := tarEntries(t, got.Path)
		for _, want := range []string{"example.com_app@v1.0.0/", "example.com_app@v1.0.0/main.go",
			"example.com_app@v1.0.0/vendor/modules.txt", "example.com_app@v1.0.0/vendor/example.com/dep/dep.go"} {
			if _, ok := entries[want]; !ok {
				t.Errorf("tar lacks %s; has %v", want, entries)
			}
		}
		if completed := strings.Contains(log.String(), "go.sum is incomplete"); completed == withGoSum {
			t.Errorf("go.sum completed: %v; log: %s", completed, log.String())
		}
		if i == 0 {
			first = got
		} else if got.Digest != first.Digest {
			t.Fatalf("fetches into two empty caches differ: %s vs %s", first.Digest, got.Digest)
		}
		if l, ok := f.Lookup(req); !ok || l != got {
			t.Fatalf("Lookup %+v %v", l, ok)
		}
		other, _ := New(WithCacheDir(dir), WithSourceDateEpoch(1))
		if _, ok := other.Lookup(req); ok {
			t.Fatal("Lookup hit with another SOURCE_DATE_EPOCH")
		}
	}
}

func TestGomodFileProxyWrongH1(t *testing.T) {
	env, h1 := fileProxy(t, true)
	f, dir := newTestFetcher(t, WithGoEnv(env))
	wrong := "h1:" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	_, err := f.Fetch(context.Background(), Request{Kind: KindGomod, Gomod: "example.com/app", Version: "v1.0.0", H1: wrong})
	if err == nil || !strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), h1) {
		t.Fatalf("err = %v", err)
	}
	if blobs, _ := os.ReadDir(filepath.Join(dir, "sha256")); len(blobs) != 0 {
		t.Fatalf("%d blobs stored", len(blobs))
	}
}

func tarEntries(t *testing.T, path string) map[string]*tar.Header {
	t.Helper()
	f, err := os.Open(path)
	must(t, err)
	defer f.Close()
	m := map[string]*tar.Header{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return m
		}
		must(t, err)
		m[h.Name] = h
	}
}
