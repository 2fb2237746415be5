package source

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// gomodIndex is DIR/index/gomod/<name>: what a gomod request last produced, so
// Lookup needs no go command. The tar depends on the epoch too, so it is recorded.
type gomodIndex struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	H1      string `json:"h1"`
	Epoch   int64  `json:"epoch"`
	Digest  string `json:"digest"`
}

func (f *Fetcher) gomodIndexPath(r Request) string {
	return filepath.Join(f.cfg.cacheDir, "index", "gomod", gomodName(r))
}

func (f *Fetcher) writeGomodIndex(r Request, got Fetched) error {
	data, err := json.Marshal(gomodIndex{Module: r.Gomod, Version: r.Version, H1: r.H1, Epoch: f.cfg.epoch, Digest: got.Digest})
	if err != nil {
		return fmt.Errorf("source: gomod index: %w", err)
	}
	return writeFileAtomic(f.gomodIndexPath(r), append(data, '\n'))
}

// lookupGomod finds the tar of r through the index, if it and its blob exist and
// match r and the fetcher's epoch.
func (f *Fetcher) lookupGomod(r Request) (Fetched, bool) {
	data, err := os.ReadFile(f.gomodIndexPath(r))
	if err != nil {
		return Fetched{}, false
	}
	var ix gomodIndex
	if json.Unmarshal(data, &ix) != nil {
		return Fetched{}, false
	}
	if ix.Module != r.Gomod || ix.Version != r.Version || ix.H1 != r.H1 || ix.Epoch != f.cfg.epoch {
		return Fetched{}, false
	}
	hexSum, ok := cutDigest(ix.Digest)
	if !ok {
		return Fetched{}, false
	}
	return f.blob(KindGomod, gomodName(r), hexSum)
}

// aptIndexPath is DIR/index/apt/<sha256>: the .deb's file name as apt-get named it
// (it carries the architecture, which the request does not).
func (f *Fetcher) aptIndexPath(hexSum string) string {
	return filepath.Join(f.cfg.cacheDir, "index", "apt", hexSum)
}

func cutDigest(d string) (string, bool) {
	const p = "sha256:"
	if len(d) != len(p)+64 || d[:len(p)] != p || !isHex(d[len(p):], 64) {
		return "", false
	}
	return d[len(p):], true
}
