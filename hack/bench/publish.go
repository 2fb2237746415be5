package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/regref"
)

// republish: `kitbash publish kit core` of an unchanged kit to a real registry on
// 127.0.0.1 (push, signature check, attachments), against go-containerregistry's
// WriteIndex of the same index in-process (the push alone). It also records the bytes
// each publish uploaded, as a second row: the first sends the kit, a re-publish should
// send none.
func (b *bench) republish(ctx context.Context) ([]row, error) {
	regAddr, stop, err := startRegistry(b.state)
	if err != nil {
		return nil, err
	}
	defer stop()
	// kitbash talks to the registry through a proxy that counts what it sends
	addr, sent, stopProxy, err := countingProxy(regAddr)
	if err != nil {
		return nil, err
	}
	defer stopProxy()
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
		return nil, err
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
	sent.Store(0)
	first, _, err := publish()
	if err != nil {
		return nil, err
	}
	firstWire := sent.Swap(0)
	var again int64
	kb, err := timeIt(b.f.runs, func() error {
		n, _, err := publish()
		again += n
		return err
	})
	if err != nil {
		return nil, err
	}
	againWire := sent.Load()
	b.extra["firstPublishBytes"], b.extra["republishBytes"] = first, again
	bytesRow := row{Name: "bytes uploaded by a re-publish of the kit", Unit: unitBytes, Kitbash: float64(again) / float64(b.f.runs),
		BaselineName: "the first publish of the same kit", Baseline: float64(first), Goal: goal(0), Runs: b.f.runs,
		Note: fmt.Sprintf("blob bytes as kitbash reports them (uploaded.bytes): %d re-publishes uploaded %d in all, the first publish %d; "+
			"on the wire (every byte sent to the registry: requests, manifests, signature checks) the first publish sent %s, a re-publish %s",
			b.f.runs, again, first, format(float64(firstWire), unitBytes), format(float64(againWire)/float64(b.f.runs), unitBytes))}

	cache, err := b.cacheDir()
	if err != nil {
		return nil, err
	}
	store, err := ocistore.Open(filepath.Join(cache, "oci"))
	if err != nil {
		return nil, err
	}
	desc, err := store.Resolve("kits/core:0.1.0")
	if err != nil {
		return nil, err
	}
	idx, err := store.Index(desc.Digest)
	if err != nil {
		return nil, err
	}
	r, err := regref.Parse(repo + ":0.1.0")
	if err != nil {
		return nil, err
	}
	base, err := timeIt(b.f.runs, func() error { return remote.WriteIndex(r, idx, remote.WithContext(ctx)) })
	if err != nil {
		return nil, err
	}
	return []row{{Name: "re-publish unchanged kit, CLI", Kitbash: median(kb), BaselineName: "ggcr WriteIndex, in-process", Baseline: median(base), Runs: b.f.runs}, bytesRow}, nil
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

// countingProxy forwards TCP connections from a free 127.0.0.1 port to addr and counts
// the bytes sent to addr as they pass (sent) until stop is called.
func countingProxy(addr string) (string, *atomic.Int64, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, fmt.Errorf("listen for the registry proxy: %w", err)
	}
	sent := &atomic.Int64{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go forward(c, addr, sent)
		}
	}()
	return l.Addr().String(), sent, func() { l.Close() }, nil
}

// forward copies c to and from a new connection to addr, adding what it sends to sent.
func forward(c net.Conn, addr string, sent *atomic.Int64) {
	defer c.Close()
	up, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(c, up)
		c.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(countingWriter{up, sent}, c)
	up.(*net.TCPConn).CloseWrite()
	<-done
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}
