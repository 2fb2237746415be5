package source

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// gomodName is the directory a module gets under $SRC: "<path with / as _>@<version>".
func gomodName(r Request) string {
	return strings.ReplaceAll(r.Gomod, "/", "_") + "@" + r.Version
}

func validateGomod(r Request) error {
	if r.Gomod == "" || strings.ContainsAny(r.Gomod, "@ \\") || strings.HasPrefix(r.Gomod, "/") || strings.Contains(r.Gomod, "..") {
		return fmt.Errorf("source: gomod %q is not a module path", r.Gomod)
	}
	if !strings.HasPrefix(r.Version, "v") || strings.ContainsAny(r.Version, "/ \\") {
		return fmt.Errorf("source: gomod %s: version %q is not a module version (vX.Y.Z)", r.Gomod, r.Version)
	}
	if !strings.HasPrefix(r.H1, "h1:") {
		return fmt.Errorf("source: gomod %s@%s: h1 %q is not a go.sum hash; fix: copy the \"h1:...\" hash of the module from go.sum", r.Gomod, r.Version, r.H1)
	}
	return nil
}

// goModDownload is the part of `go mod download -json` output used here.
type goModDownload struct {
	Path, Version, Dir, Sum, Error string
}

// fetchGomod downloads the module with the go command (which verifies it against
// the checksum database), checks its h1, vendors its dependencies in a copy and
// stores a deterministic tar of the result.
func (f *Fetcher) fetchGomod(ctx context.Context, r Request) (Fetched, error) {
	mv := r.Gomod + "@" + r.Version
	work, err := f.cas.tempDir("gomod-*")
	if err != nil {
		return Fetched{}, err
	}
	defer os.RemoveAll(work)

	out, runErr := f.runGo(ctx, work, "mod", "download", "-json", mv)
	var dl goModDownload
	if err := json.Unmarshal(out, &dl); err != nil {
		if runErr != nil {
			return Fetched{}, fmt.Errorf("source: gomod %s: %w", mv, runErr)
		}
		return Fetched{}, fmt.Errorf("source: gomod %s: parse go mod download output: %w", mv, err)
	}
	if dl.Error != "" {
		return Fetched{}, fmt.Errorf("source: gomod %s: %s", mv, dl.Error)
	}
	if runErr != nil {
		return Fetched{}, fmt.Errorf("source: gomod %s: %w", mv, runErr)
	}
	if dl.Sum != r.H1 {
		return Fetched{}, fmt.Errorf("source: gomod %s: h1 mismatch: expected %s, the go command verified %s; fix: if the new module is trusted, update h1 in the spec", mv, r.H1, dl.Sum)
	}
	if dl.Dir == "" {
		return Fetched{}, fmt.Errorf("source: gomod %s: go mod download reported no directory", mv)
	}

	name := gomodName(r)
	tree := filepath.Join(work, "tree")
	if err := copyTreeWritable(dl.Dir, tree); err != nil {
		return Fetched{}, fmt.Errorf("source: gomod %s: copy %s: %w", mv, dl.Dir, err)
	}
	if _, err := os.Stat(filepath.Join(tree, "go.mod")); err == nil {
		if err := f.vendor(ctx, tree, mv); err != nil {
			return Fetched{}, err
		}
	} else {
		fmt.Fprintf(f.cfg.log, "source: gomod %s has no go.mod; nothing to vendor\n", mv)
	}

	sum, p, size, err := f.storeTar(tree, name)
	if err != nil {
		return Fetched{}, fmt.Errorf("source: gomod %s: %w", mv, err)
	}
	got := Fetched{Kind: KindGomod, Name: name, Digest: "sha256:" + sum, Path: p, Size: size}
	if err := f.writeGomodIndex(r, got); err != nil {
		return Fetched{}, err
	}
	return got, nil
}

// vendor runs `go mod vendor` in tree. A module whose go.sum lacks entries (the
// go command refuses to vendor then) gets them from `go mod download all`, which
// verifies them against the checksum database, and is vendored again.
func (f *Fetcher) vendor(ctx context.Context, tree, mv string) error {
	_, err := f.runGo(ctx, tree, "mod", "vendor")
	if err != nil && strings.Contains(err.Error(), "missing go.sum entry") {
		fmt.Fprintf(f.cfg.log, "source: gomod %s: go.sum is incomplete; completing it with go mod download all\n", mv)
		if _, err := f.runGo(ctx, tree, "mod", "download", "all"); err != nil {
			return fmt.Errorf("source: gomod %s: complete go.sum: %w", mv, err)
		}
		_, err = f.runGo(ctx, tree, "mod", "vendor")
	}
	if err != nil {
		return fmt.Errorf("source: gomod %s: vendor dependencies: %w", mv, err)
	}
	return nil
}

// copyTreeWritable copies the tree src to dst (which must not exist), keeping
// symlinks and each file's exec bit, and making everything writable.
func copyTreeWritable(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch mode := info.Mode(); {
		case mode.IsDir():
			return os.Mkdir(target, 0o755)
		case mode&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case mode.IsRegular():
			perm := fs.FileMode(0o644)
			if mode&0o100 != 0 {
				perm = 0o755
			}
			return copyFile(p, target, perm)
		default:
			return fmt.Errorf("%s: unsupported file type %s", p, mode.Type())
		}
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, perm); err != nil {
		return err
	}
	return os.Chmod(dst, perm) // umask-independent
}
