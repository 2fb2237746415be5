//go:build integration

package sdk

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
)

var sdkCache = flag.String("sdk-cache", "", "persistent SDK cache dir for TestBuildTwice (default: a temporary dir)")

// TestBuildTwice builds the same SDK into two stores sharing one cache and
// requires equal digests. Needs root, mmdebstrap and network access to the
// host's apt sources and the Go module proxy.
func TestBuildTwice(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("TestBuildTwice must run as root (mmdebstrap --mode=root)")
	}
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		t.Fatal("mmdebstrap not found: install it with `apt-get install mmdebstrap` (1.3 or newer)")
	}
	sources, aptOpts, err := HostAptSources()
	if err != nil {
		t.Fatal(err)
	}
	cache := *sdkCache
	if cache == "" {
		cache = t.TempDir()
	}
	spec := Spec{Name: "kitbash-sdk", Suite: "bookworm", GoVersion: "1.26.8", Packages: []string{"erofs-utils"}}
	opts := []Option{
		WithSourceDateEpoch(1700000000),
		WithCacheDir(cache),
		WithAptSources(sources...),
		WithAptOptions(aptOpts...),
		WithLog(t.Output()),
	}
	ctx := context.Background()

	var results [2]Result
	var stores [2]*ocistore.Store
	for i := range results {
		store, err := ocistore.Open(filepath.Join(t.TempDir(), "store"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := Build(ctx, spec, store, opts...)
		if err != nil {
			t.Fatalf("build %d: %v", i+1, err)
		}
		t.Logf("build %d: %s in %s, %d MB, %d packages", i+1, res.Digest, time.Since(start).Round(time.Second), res.Size>>20, len(res.Packages))
		results[i], stores[i] = res, store
	}
	if results[0].Digest != results[1].Digest {
		t.Fatalf("builds differ: %s vs %s", results[0].Digest, results[1].Digest)
	}
	ia, _ := os.ReadFile(filepath.Join(stores[0].Dir(), "index.json"))
	ib, _ := os.ReadFile(filepath.Join(stores[1].Dir(), "index.json"))
	if !bytes.Equal(ia, ib) {
		t.Errorf("index.json differs between the stores")
	}
	if !hasPackage(results[0].Packages, "erofs-utils") {
		t.Errorf("resolved packages lack erofs-utils: %q", results[0].Packages)
	}
	img, err := stores[0].Image(results[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	found, err := findFiles(img, "usr/local/go/bin/go", "usr/bin/mkfs.erofs")
	if err != nil {
		t.Fatal(err)
	}
	for p, ok := range found {
		if !ok {
			t.Errorf("image lacks /%s", p)
		}
	}
}

func hasPackage(pkgs []string, name string) bool {
	for _, p := range pkgs {
		if strings.HasPrefix(p, name+"=") {
			return true
		}
	}
	return false
}

// findFiles reports which of paths are regular files in img's layers.
func findFiles(img v1.Image, paths ...string) (map[string]bool, error) {
	found := map[string]bool{}
	for _, p := range paths {
		found[p] = false
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rc.Close()
				return nil, err
			}
			name := strings.TrimPrefix(h.Name, "./")
			if _, want := found[name]; want && h.Typeflag == tar.TypeReg {
				found[name] = true
			}
		}
		rc.Close()
	}
	return found, nil
}
