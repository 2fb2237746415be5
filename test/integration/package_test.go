//go:build integration

package integration

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kitbash-dev/kitbash/builder/engine"
	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/pkg"
	"github.com/kitbash-dev/kitbash/builder/pkgbuild"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

// buildHello builds a small package from a spec folder laid out in a fresh directory.
func buildHello(t *testing.T, build, test string) (pkg.Result, []byte, error) {
	t.Helper()
	digest := needSDK(t)
	ctx := context.Background()
	specDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(specDir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(specDir, "files", "greeting"), []byte("hello from kitbash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := ocistore.Open(filepath.Join(h.cache, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	hash, err := v1.NewHash(digest)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sdk.LoadConfig(store, hash)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := store.ContentStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.Ensure(ctx, engine.WithStateDir(h.state), engine.WithBuildkitd(filepath.Join("..", "..", ".tools", "bin", "buildkitd")))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	base := sandbox.Base{Ref: sdk.ImageName("kitbash-sdk", hash), StoreID: "kitbash-store", Env: cfg.Env}
	p := pkgbuild.Package{
		Name:    "hello",
		Build:   build,
		Test:    test,
		Sources: []pkgbuild.Source{{Name: "files/greeting", Local: pkgbuild.LocalSpec, Path: "files/greeting"}},
		Epoch:   1700000000,
		LocalID: "integration",
	}
	var out bytes.Buffer
	res, err := pkgbuild.Build(ctx, base, p, pkgbuild.RunOptions{
		Client: e.Client, SDKStore: cs, Locals: map[string]string{pkgbuild.LocalSpec: specDir},
		Progress: "quiet", Spool: t.TempDir(),
	}, &out)
	return res, out.Bytes(), err
}

const helloBuild = `mkdir -p "$DESTDIR/usr/bin" "$DESTDIR/usr/share/hello"
cp "$SRC/files/greeting" "$DESTDIR/usr/share/hello/greeting"
printf '#!/bin/sh\ncat /usr/share/hello/greeting\n' > "$DESTDIR/usr/bin/hello"
chmod 755 "$DESTDIR/usr/bin/hello"`

func TestPackageBuildIsReproducibleAcrossDirectories(t *testing.T) {
	a, tarA, err := buildHello(t, helloBuild, `grep -q kitbash "$DESTDIR/usr/share/hello/greeting"`)
	if err != nil {
		t.Fatal(err)
	}
	// Another spec directory, and the step forced to run again (a changed script comment).
	b, tarB, err := buildHello(t, helloBuild+"\n# rebuild", `grep -q kitbash "$DESTDIR/usr/share/hello/greeting"`)
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest != b.Digest || !bytes.Equal(tarA, tarB) {
		t.Fatalf("two builds of the same package differ: %s vs %s", a.Digest, b.Digest)
	}
	tr := tar.NewReader(bytes.NewReader(tarA))
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		if hdr.Uid != 0 || hdr.ModTime.Unix() > 1700000000 {
			t.Errorf("%s: uid %d, mtime %v", hdr.Name, hdr.Uid, hdr.ModTime)
		}
	}
	want := "usr/ usr/bin/ usr/bin/hello usr/share/ usr/share/hello/ usr/share/hello/greeting"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("package entries %q, want %q", got, want)
	}
}

func TestPackageTestPhaseRunsAndCannotChangeThePackage(t *testing.T) {
	if _, _, err := buildHello(t, helloBuild, `test -e "$DESTDIR/usr/bin/missing"`); err == nil {
		t.Fatal("a failing test phase must fail the build")
	}
	_, _, err := buildHello(t, helloBuild, `touch "$DESTDIR/usr/bin/extra"`)
	if err == nil || !strings.Contains(err.Error(), `touch \"$DESTDIR/usr/bin/extra\"`) {
		t.Fatalf("a test writing the package must fail (its output is read-only), got %v", err)
	}
}

func TestPackageBuildHasNoNetwork(t *testing.T) {
	port, accepted := listen(t)
	_, _, err := buildHello(t, helloBuild+"\nexec 3<>/dev/tcp/127.0.0.1/"+strconv.Itoa(port), "")
	if err == nil {
		t.Fatal("a build step reaching the network must fail")
	}
	if !strings.Contains(err.Error(), "build steps have no network") {
		t.Fatalf("the error must say build steps have no network, got:\n%v", err)
	}
	if accepted.Load() != 0 {
		t.Fatal("the host listener was reached")
	}
}
