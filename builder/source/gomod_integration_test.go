//go:build integration

package source

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A small module with one dependency (golang.org/x/sys). H1 from
// `go mod download -json golang.org/x/term@v0.48.0`.
const (
	termModule  = "golang.org/x/term"
	termVersion = "v0.48.0"
	termH1      = "h1:G6UU1eiSB8nl3DzeUGt7Mg+2SctI8tPS6Z5/mBt6cOk="
)

// testGoEnv passes the test's Go network settings on, as the CLI would.
func testGoEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOINSECURE", "GOTOOLCHAIN"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func newGomodFetcher(t *testing.T) (*Fetcher, string) {
	t.Helper()
	return newTestFetcher(t, WithGoEnv(testGoEnv()), WithSourceDateEpoch(1700000000), WithLog(testLog{t}))
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func TestGomodFetchVendoredAndReproducible(t *testing.T) {
	req := Request{Kind: KindGomod, Gomod: termModule, Version: termVersion, H1: termH1}
	var digests []string
	for i := range 2 {
		f, _ := newGomodFetcher(t)
		start := time.Now()
		got, err := f.Fetch(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("fetch %d from an empty cache: %s, %d bytes, %s", i+1, time.Since(start).Round(time.Millisecond), got.Size, got.Digest)
		if got.Name != "golang.org_x_term@v0.48.0" {
			t.Fatalf("name %q", got.Name)
		}
		digests = append(digests, got.Digest)
		checkVendoredTar(t, got.Path, got.Name)

		start = time.Now()
		again, err := f.Fetch(context.Background(), req)
		if err != nil || again != got {
			t.Fatalf("cached fetch: %+v, %v", again, err)
		}
		t.Logf("cached fetch: %s", time.Since(start))
		if l, ok := f.Lookup(req); !ok || l != got {
			t.Fatalf("Lookup: %+v %v", l, ok)
		}
	}
	if digests[0] != digests[1] {
		t.Fatalf("two fetches from empty caches differ: %s vs %s", digests[0], digests[1])
	}
}

func checkVendoredTar(t *testing.T, path, root string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h.Name, root+"/") {
			t.Fatalf("entry %q outside %s/", h.Name, root)
		}
		seen[h.Name] = true
	}
	for _, want := range []string{root + "/go.mod", root + "/vendor/modules.txt", root + "/vendor/golang.org/x/sys/unix/"} {
		if !seen[want] {
			t.Errorf("tar lacks %s", want)
		}
	}
}

func TestGomodWrongH1Refused(t *testing.T) {
	f, dir := newGomodFetcher(t)
	wrong := "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	_, err := f.Fetch(context.Background(), Request{Kind: KindGomod, Gomod: termModule, Version: termVersion, H1: wrong})
	if err == nil {
		t.Fatal("wrong h1 accepted")
	}
	t.Logf("error: %v", err)
	for _, s := range []string{termModule + "@" + termVersion, wrong, termH1, "update h1"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if blobs, _ := os.ReadDir(filepath.Join(dir, "sha256")); len(blobs) != 0 {
		t.Fatalf("%d blobs stored", len(blobs))
	}
	if _, err := os.Stat(filepath.Join(dir, "index", "gomod")); err == nil {
		t.Fatal("index written")
	}
}

// A module without requirements: `go mod vendor` has nothing to vendor.
func TestGomodNoDependencies(t *testing.T) {
	f, _ := newGomodFetcher(t)
	req := Request{Kind: KindGomod, Gomod: "golang.org/x/sync", Version: "v0.23.0",
		H1: "h1:KameEIfc1IkluZyXWLn39Wd4tURc6GbCiISGiZm2bQk="}
	got, err := f.Fetch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "golang.org_x_sync@v0.23.0" || got.Size == 0 {
		t.Fatalf("got %+v", got)
	}
}
