package source

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func validateApt(r Request) error {
	if r.Apt == "" || strings.ContainsAny(r.Apt, "=/ \t") || strings.HasPrefix(r.Apt, "-") {
		return fmt.Errorf("source: apt %q is not a Debian package name", r.Apt)
	}
	if r.Version == "" || strings.ContainsAny(r.Version, "=/ \t") {
		return fmt.Errorf("source: apt %s: version %q is not an exact Debian version; fix: set version (see apt-cache policy %s)", r.Apt, r.Version, r.Apt)
	}
	if !isHex(r.SHA256, 64) {
		return fmt.Errorf("source: apt %s=%s: sha256 %q is not 64 lowercase hex digits; fix: set sha256 of the .deb in the spec", r.Apt, r.Version, r.SHA256)
	}
	return nil
}

// lookupApt finds the .deb by its sha256; its name comes from DIR/index/apt.
func (f *Fetcher) lookupApt(r Request) (Fetched, bool) {
	name, err := os.ReadFile(f.aptIndexPath(r.SHA256))
	if err != nil {
		return Fetched{}, false
	}
	return f.blob(KindApt, strings.TrimSpace(string(name)), r.SHA256)
}

// fetchApt runs `apt-get download pkg=version` (with the host's apt configuration)
// in a temp dir, verifies the .deb's sha256 and stores it.
func (f *Fetcher) fetchApt(ctx context.Context, r Request) (Fetched, error) {
	pv := r.Apt + "=" + r.Version
	dir, err := f.cas.tempDir("apt-*")
	if err != nil {
		return Fetched{}, err
	}
	defer os.RemoveAll(dir)

	cmd := exec.CommandContext(ctx, f.cfg.aptGet, "download", pv)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		fix := "check the package name and version (apt-cache policy " + r.Apt + ")"
		if strings.Contains(msg, "Unable to locate package") || strings.Contains(msg, "was not found") ||
			strings.Contains(msg, "has no installation candidate") || strings.Contains(msg, "No packages found") {
			fix = "run apt-get update (the host's package lists are missing or out of date), then check the version with apt-cache policy " + r.Apt
		}
		return Fetched{}, fmt.Errorf("source: apt-get download %s: %w: %s; fix: %s", pv, err, msg, fix)
	}
	debs, err := filepath.Glob(filepath.Join(dir, "*.deb"))
	if err != nil || len(debs) != 1 {
		return Fetched{}, fmt.Errorf("source: apt-get download %s: expected one .deb, found %d", pv, len(debs))
	}
	deb := debs[0]
	name := filepath.Base(deb)
	sum, size, err := hashFile(deb)
	if err != nil {
		return Fetched{}, err
	}
	if sum != r.SHA256 {
		return Fetched{}, &HashMismatchError{Source: "apt " + pv + " (" + name + ")", Algo: "sha256", Expected: r.SHA256, Actual: sum}
	}
	if err := os.Chmod(deb, 0o644); err != nil {
		return Fetched{}, fmt.Errorf("source: apt %s: %w", pv, err)
	}
	if err := syncFile(deb); err != nil {
		return Fetched{}, err
	}
	p, err := f.cas.commitPath(deb, sum)
	if err != nil {
		return Fetched{}, err
	}
	if err := writeFileAtomic(f.aptIndexPath(sum), []byte(name+"\n")); err != nil {
		return Fetched{}, err
	}
	return Fetched{Kind: KindApt, Name: name, Digest: "sha256:" + sum, Path: p, Size: size}, nil
}
