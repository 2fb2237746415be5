package tufrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	tufconfig "github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeImage writes a small image directory: three "update images" and image.json.
func fakeImage(t *testing.T, variant, version string) string {
	t.Helper()
	dir := t.TempDir()
	im := &imageinfo.Image{Schema: imageinfo.Schema, Variant: variant, Version: version, Arch: "x86_64",
		BuildID: "0123456789ab", Disk: variant + "-" + version + ".img", Updates: map[string]imageinfo.File{}}
	for _, kind := range []string{"root", "hash", "boot"} {
		name := fmt.Sprintf("%s-%s-%s.zst", variant, version, kind)
		data := []byte(fmt.Sprintf("%s image of %s %s\n", kind, variant, version))
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		im.Updates[kind] = imageinfo.File{Path: name, Sha256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	}
	b, err := im.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, imageinfo.FileName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newKeys(t *testing.T, opts ...Option) (string, *Keys) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keys")
	if _, err := GenerateKeys(dir, opts...); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, k
}

func newRepo(t *testing.T, keys *Keys) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if _, err := Create(dir, keys, WithNow(testNow)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func add(t *testing.T, repo string, keys *Keys, variant, version string, opts ...Option) *Added {
	t.Helper()
	a, err := Add(repo, keys, variant, version, append([]Option{WithNow(testNow), WithImageDir(fakeImage(t, variant, version))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func serve(t *testing.T, repo string) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(repo)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// client is a go-tuf updater trusting root, against the repository at base (http).
func client(t *testing.T, base string, root []byte) *updater.Updater {
	t.Helper()
	cfg, err := tufconfig.New(base+"/metadata", root)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RemoteTargetsURL = base + "/targets"
	cfg.LocalMetadataDir = filepath.Join(t.TempDir(), "md")
	cfg.LocalTargetsDir = filepath.Join(t.TempDir(), "tg")
	up, err := updater.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	up.UnsafeSetRefTime(testNow.Add(time.Hour))
	return up
}

// downloadAll refreshes and downloads every target, by name.
func downloadAll(t *testing.T, up *updater.Updater) map[string][]byte {
	t.Helper()
	if err := up.Refresh(); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	out := map[string][]byte{}
	for name := range up.GetTopLevelTargets() {
		ti, err := up.GetTargetInfo(name)
		if err != nil {
			t.Fatalf("target info %s: %v", name, err)
		}
		_, data, err := up.DownloadTarget(ti, "", "")
		if err != nil {
			t.Fatalf("download %s: %v", name, err)
		}
		out[name] = data
	}
	return out
}
