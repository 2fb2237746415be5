package sdk

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// toolchainPlatform is the only platform SDK images are built for.
const toolchainPlatform = "linux-amd64"

// toolchain is a downloaded, checksum-verified Go toolchain module.
type toolchain struct {
	module string // golang.org/toolchain@v0.0.1-goX.Y.Z.linux-amd64
	zip    string
	sum    string // go.sum hash of the zip (h1:...)
}

func toolchainModule(goVersion string) string {
	return "golang.org/toolchain@v0.0.1-go" + goVersion + "." + toolchainPlatform
}

// downloadToolchain runs `go mod download -json` for the toolchain module into
// the cache's module cache. The go command verifies the zip against the checksum
// database (as configured in the inherited environment).
func downloadToolchain(ctx context.Context, c *config, goVersion, workDir string) (toolchain, error) {
	mod := toolchainModule(goVersion)
	cmd := exec.CommandContext(ctx, c.goCommand, "mod", "download", "-json", mod)
	cmd.Dir = workDir // outside any module
	cmd.Env = append(os.Environ(),
		"GOMODCACHE="+filepath.Join(c.cacheDir, "gomod"),
		"GOFLAGS=-modcacherw",
		"GOTOOLCHAIN=local",
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, c.log
	runErr := cmd.Run()
	var info struct{ Zip, Sum, Error string }
	if err := json.Unmarshal(out.Bytes(), &info); err != nil && runErr == nil {
		return toolchain{}, fmt.Errorf("download %s: parse go mod download output: %w", mod, err)
	}
	if info.Error != "" {
		return toolchain{}, fmt.Errorf("download %s: %s", mod, info.Error)
	}
	if runErr != nil {
		return toolchain{}, fmt.Errorf("download %s: %s: %w", mod, c.goCommand, runErr)
	}
	if info.Zip == "" {
		return toolchain{}, fmt.Errorf("download %s: go mod download reported no zip", mod)
	}
	return toolchain{module: mod, zip: info.Zip, sum: info.Sum}, nil
}

// toolchainTar writes the deterministic /usr/local/go layer for tc to dst.
func toolchainTar(tc toolchain, epoch time.Time, dst string) error {
	zr, err := zip.OpenReader(tc.zip)
	if err != nil {
		return fmt.Errorf("open toolchain zip %s: %w", tc.zip, err)
	}
	defer zr.Close()
	err = writeFileAtomic(dst, func(w io.Writer) error {
		return zipToTar(&zr.Reader, tc.module+"/", goRoot, epoch, w)
	})
	if err != nil {
		return fmt.Errorf("write toolchain layer: %w", err)
	}
	return nil
}
