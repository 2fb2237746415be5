package updater

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/migrate"
)

// Where the updater reads its configuration and the running system's identity.
const (
	DefaultConfigPath = "/run/kitbash/updater.json" // rendered by settingsd from updates.*
	LockLatest        = "latest"
)

// OSReleasePaths are read in order for VARIANT_ID and VERSION_ID (os-release(5)).
var OSReleasePaths = []string{"/etc/os-release", "/usr/lib/os-release"}

// Config is the updater's configuration: the settings (the JSON file settingsd
// renders from updates.*) and the running system.
type Config struct {
	MetadataURL string `json:"metadataUrl"` // the TUF repository's metadata; "" means no updates
	TargetsURL  string `json:"targetsUrl"`
	Seed        int    `json:"seed"`        // this host's place in the waves, 0..MaxSeed
	VersionLock string `json:"versionLock"` // "latest" or an exact version
	IgnoreWaves bool   `json:"ignoreWaves"` // take an update before this host's wave

	// The running system: VARIANT_ID and VERSION_ID of os-release, and the
	// manifest's name of the machine architecture ("x86_64").
	Variant string `json:"-"`
	Arch    string `json:"-"`
	Version string `json:"-"`

	// Now is the clock; time.Now when nil.
	Now func() time.Time `json:"-"`
}

// DefaultConfig is the configuration when the file leaves a field out: no
// repository, seed 0, the latest version, waves respected, the architecture this
// program was built for.
func DefaultConfig() Config {
	return Config{VersionLock: LockLatest, Arch: ManifestArch(runtime.GOARCH)}
}

// ManifestArch maps a Go architecture to manifest.json's name for it.
func ManifestArch(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return goarch
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// ParseConfig reads the JSON configuration over DefaultConfig: fields the file leaves
// out (or sets to null) keep their defaults; an empty versionLock is "latest";
// unknown fields are ignored (settingsd may render more than the updater reads).
func ParseConfig(b []byte) (Config, error) {
	c := DefaultConfig()
	if len(bytes.TrimSpace(b)) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("updater configuration: %w", err)
	}
	if c.VersionLock == "" {
		c.VersionLock = LockLatest
	}
	return c, nil
}

// LoadConfig reads the configuration file at path (a missing file is all defaults:
// settingsd has not rendered it, and there is no repository to update from), then
// the running variant and version from the first os-release file of osRelease that
// exists (OSReleasePaths when none is given). It validates the result.
func LoadConfig(path string, osRelease ...string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Config{}, fmt.Errorf("updater configuration: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if len(osRelease) == 0 {
		osRelease = OSReleasePaths
	}
	var errs []error
	for _, p := range osRelease {
		kv, err := ReadOSRelease(p)
		if errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if err != nil {
			return c, err
		}
		c.Variant, c.Version = kv["VARIANT_ID"], kv["VERSION_ID"]
		errs = nil
		break
	}
	if errs != nil {
		return c, fmt.Errorf("os-release: %w", errors.Join(errs...))
	}
	return c, c.Validate()
}

// Validate checks the fields: a seed in 0..MaxSeed, a version lock that is "latest"
// or a version, and a running variant, architecture and version.
func (c Config) Validate() error {
	var errs []error
	if c.Seed < 0 || c.Seed > MaxSeed {
		errs = append(errs, fmt.Errorf("seed %d: want 0..%d", c.Seed, MaxSeed))
	}
	if c.VersionLock != LockLatest {
		if _, err := migrate.ParseVersion(c.VersionLock); err != nil {
			errs = append(errs, fmt.Errorf("versionLock %q: want %q or a version MAJOR.MINOR.PATCH", c.VersionLock, LockLatest))
		}
	}
	if c.Variant == "" {
		errs = append(errs, errors.New("running variant unknown (VARIANT_ID in os-release)"))
	}
	if c.Arch == "" {
		errs = append(errs, errors.New("running architecture unknown"))
	}
	if _, err := migrate.ParseVersion(c.Version); err != nil {
		errs = append(errs, fmt.Errorf("running version (VERSION_ID in os-release): %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("updater configuration: %w", err)
	}
	return nil
}

// ReadOSRelease reads the KEY=VALUE lines of an os-release(5) file, unquoting values.
func ReadOSRelease(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			} else {
				v = v[1 : len(v)-1]
			}
		} else if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
