package tufrepo

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	tufconfig "github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
)

// Validated is what Validate found.
type Validated struct {
	URL     string         `json:"url"`
	Roles   []RoleExpiry   `json:"roles"`
	Targets []TargetResult `json:"targets"`
	Updates int            `json:"updates"`
}

// TargetResult is one downloaded target.
type TargetResult struct {
	Name   string `json:"name"`
	Length int64  `json:"length"`
	Error  string `json:"error,omitempty"`
}

// Validate runs the go-tuf client against a repository (an http(s):// or file:// URL, or
// a directory) trusting root: it refreshes the metadata, downloads and checks every
// target and checks that manifest.json names only listed targets. Expiry is judged at
// WithNow when given. The error names every failure.
func Validate(repo string, root []byte, opts ...Option) (*Validated, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("repo validate %s: %w", repo, err)
	}
	base, err := repoURL(repo)
	if err != nil {
		return nil, fmt.Errorf("repo validate %s: %w", repo, err)
	}
	cfg, err := tufconfig.New(base+"/"+MetadataDir, root)
	if err != nil {
		return nil, fmt.Errorf("repo validate %s: %w", repo, err)
	}
	cfg.RemoteTargetsURL = base + "/" + TargetsDir
	cfg.DisableLocalCache = true
	if strings.HasPrefix(base, "file://") {
		cfg.Fetcher = fileFetcher{}
	}
	up, err := updater.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("repo validate %s: trusted root: %w", repo, err)
	}
	if !c.now.IsZero() {
		up.UnsafeSetRefTime(c.now)
	}
	if err := up.Refresh(); err != nil {
		return nil, fmt.Errorf("repo validate %s: metadata: %w", repo, err)
	}
	tm := up.GetTrustedMetadataSet()
	out := &Validated{URL: base, Roles: []RoleExpiry{
		{"root", tm.Root.Signed.Version, tm.Root.Signed.Expires},
		{"targets", tm.Targets[metadata.TARGETS].Signed.Version, tm.Targets[metadata.TARGETS].Signed.Expires},
		{"snapshot", tm.Snapshot.Signed.Version, tm.Snapshot.Signed.Expires},
		{"timestamp", tm.Timestamp.Signed.Version, tm.Timestamp.Signed.Expires},
	}}
	all := up.GetTopLevelTargets()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var failed []string
	var manifest []byte
	for _, n := range names {
		tf := all[n]
		res := TargetResult{Name: n, Length: tf.Length}
		_, data, err := up.DownloadTarget(tf, "", "")
		if err != nil {
			res.Error = err.Error()
			failed = append(failed, fmt.Sprintf("target %s: %v", n, err))
		} else if n == ManifestName {
			manifest = data
		}
		out.Targets = append(out.Targets, res)
		c.logf("target %s: %s", n, okOr(res.Error))
	}
	if _, ok := all[ManifestName]; !ok {
		failed = append(failed, "no manifest.json target")
	} else if manifest != nil {
		m, err := ParseManifest(manifest)
		if err != nil {
			failed = append(failed, err.Error())
		} else {
			out.Updates = len(m.Updates)
			failed = append(failed, checkManifest(m, all)...)
		}
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("repo validate %s: %d problem(s): %s", repo, len(failed), strings.Join(failed, "; "))
	}
	return out, nil
}

func okOr(e string) string {
	if e == "" {
		return "ok"
	}
	return e
}

// checkManifest finds manifest entries naming targets that are not listed.
func checkManifest(m *Manifest, targets map[string]*metadata.TargetFiles) []string {
	var bad []string
	for _, u := range m.Updates {
		id := fmt.Sprintf("manifest.json: %s %s %s", u.Variant, u.Arch, u.Version)
		if u.Variant == "" || u.Arch == "" || u.Version == "" {
			bad = append(bad, id+": variant, arch and version are required")
		}
		for kind, name := range map[string]string{"boot": u.Images.Boot, "root": u.Images.Root, "hash": u.Images.Hash} {
			if _, ok := targets[name]; !ok {
				bad = append(bad, fmt.Sprintf("%s: %s image %q is not a target", id, kind, name))
			}
		}
		if len(u.Waves) == 0 {
			bad = append(bad, id+": no waves")
		}
	}
	for pair, list := range m.Migrations {
		for _, name := range list {
			if _, ok := targets[name]; !ok {
				bad = append(bad, fmt.Sprintf("manifest.json: migration %s: %q is not a target", pair, name))
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// repoURL turns a directory or URL into the repository's base URL (no trailing slash).
func repoURL(s string) (string, error) {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "file://") {
		return strings.TrimRight(s, "/"), nil
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("not a directory or http(s):// or file:// URL")
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// fileFetcher serves file:// URLs the way an HTTP server would, 404 for missing files.
type fileFetcher struct{}

func (fileFetcher) DownloadFile(u string, maxLength int64, _ time.Duration) ([]byte, error) {
	p, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.FromSlash(p.Path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: 404, URL: u}
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLength+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("download failed for %s, length %d is larger than expected %d", u, len(b), maxLength)}
	}
	return b, nil
}
