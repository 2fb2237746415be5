package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/regref"
)

// republish: `kitbash publish kit core` of an unchanged kit to a real registry on
// 127.0.0.1 (push, signature check, attachments), against go-containerregistry's
// WriteIndex of the same index in-process (the push alone). It also records the bytes
// each publish uploaded: the first sends the kit, a re-publish should send none.
func (b *bench) republish(ctx context.Context) (row, error) {
	addr, stop, err := startRegistry(b.state)
	if err != nil {
		return row{}, err
	}
	defer stop()
	keys := filepath.Join(b.state, "keys")
	env := append(os.Environ(), "COSIGN_PASSWORD=bench")
	run := func(args ...string) ([]byte, error) {
		full := append([]string{"--state-dir", b.state, "-C", b.f.project, "--progress", "quiet", "-o", "json"}, args...)
		if b.f.cacheDir != "" {
			full = append([]string{"--cache-dir", b.f.cacheDir}, full...)
		}
		cmd := exec.Command(b.f.kitbash, full...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("kitbash %v: %v", args, err)
		}
		return out, nil
	}
	if _, err := run("kit", "keygen", filepath.Join(keys, "bench")); err != nil {
		return row{}, err
	}
	repo := addr + "/bench/core"
	publish := func() (int64, string, error) {
		out, err := run("publish", "kit", "core", "--to", repo, "--key", filepath.Join(keys, "bench.key"))
		if err != nil {
			return 0, "", err
		}
		var p struct {
			Ref      string
			Uploaded struct{ Bytes int64 }
		}
		err = json.Unmarshal(out, &p)
		return p.Uploaded.Bytes, p.Ref, err
	}
	first, _, err := publish()
	if err != nil {
		return row{}, err
	}
	var again int64
	kb, err := timeIt(b.f.runs, func() error {
		n, _, err := publish()
		again += n
		return err
	})
	if err != nil {
		return row{}, err
	}
	b.notes = append(b.notes, fmt.Sprintf("publish kit core: first publish uploaded %.1f MiB; %d re-publishes uploaded %d bytes in all", float64(first)/(1<<20), b.f.runs, again))
	b.extra["firstPublishBytes"], b.extra["republishBytes"] = first, again

	cache := b.f.cacheDir
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "kitbash")
	}
	store, err := ocistore.Open(filepath.Join(cache, "oci"))
	if err != nil {
		return row{}, err
	}
	desc, err := store.Resolve("kits/core:0.1.0")
	if err != nil {
		return row{}, err
	}
	idx, err := store.Index(desc.Digest)
	if err != nil {
		return row{}, err
	}
	r, err := regref.Parse(repo + ":0.1.0")
	if err != nil {
		return row{}, err
	}
	base, err := timeIt(b.f.runs, func() error { return remote.WriteIndex(r, idx, remote.WithContext(ctx)) })
	if err != nil {
		return row{}, err
	}
	return row{Name: "re-publish unchanged kit, CLI", Kitbash: median(kb), BaselineName: "ggcr WriteIndex, in-process", Baseline: median(base), Runs: b.f.runs}, nil
}

// startRegistry runs Debian's docker-registry on a free 127.0.0.1 port under dir.
func startRegistry(dir string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	root := filepath.Join(dir, "registry")
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", root, addr)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", nil, err
	}
	cfg := filepath.Join(root, "config.yml")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		return "", nil, err
	}
	cmd := exec.Command("docker-registry", "serve", cfg)
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start docker-registry (make tools installs it): %w", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			return addr, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("docker-registry on %s did not answer", addr)
}
