// Package project reads and writes a Kitbash project: its Kitbash.yaml (what to build)
// and Kitbash.lock (the exact SDK and kits a build used).
package project

import "time"

const (
	// FileName is the project file at the root of every Kitbash project.
	FileName = "Kitbash.yaml"
	// LockName is the lock file next to it.
	LockName = "Kitbash.lock"
	// SchemaVersion is the only schema-version of Kitbash.yaml and Kitbash.lock this
	// kitbash reads and writes.
	SchemaVersion = 1

	// DefaultMaxCacheSize caps the BuildKit cache when cache.max-size is not set.
	DefaultMaxCacheSize ByteSize = 20 << 30
	// DefaultKeepDuration is how long unused BuildKit cache is kept when
	// cache.keep-duration is not set.
	DefaultKeepDuration = 168 * time.Hour
)

// Project is the content of Kitbash.yaml.
type Project struct {
	SchemaVersion  int               `yaml:"schema-version" required:"true" fix:"write schema-version: 1 (the only version this kitbash supports)"`
	ReleaseVersion string            `yaml:"release-version" required:"true" fix:"write a version like release-version: 0.1.0"`
	SDK            SDK               `yaml:"sdk" required:"true" fix:"add an sdk: section with name, suite, go-version and packages (kitbash init writes one)"`
	Vendors        map[string]Vendor `yaml:"vendors,omitempty"`
	Kits           []KitRef          `yaml:"kits,omitempty"`
	Signing        *Signing          `yaml:"signing,omitempty"`
	Cache          Cache             `yaml:"cache,omitempty"`
	Sources        Sources           `yaml:"sources,omitempty"`
	// Prefer names, for a package that several kits carry, the kit whose copy is used.
	Prefer map[string]string `yaml:"prefer,omitempty" fix:"map a package to the kit that provides it, e.g. prefer: {containerd: acme}"`
}

// Sources configures how package sources are fetched.
type Sources struct {
	// Lookaside is a mirror tried first for url sources (GET <lookaside>/<sha256>/<name>),
	// before the upstream URL.
	Lookaside string `yaml:"lookaside,omitempty" fix:"write an http(s) base URL, e.g. lookaside: https://sources.example.org/kitbash"`
}

// SDK describes the build container every package and image is built in.
type SDK struct {
	Name      string   `yaml:"name" required:"true" fix:"name the SDK image, e.g. name: my-os-sdk"`
	Suite     string   `yaml:"suite" required:"true" fix:"name the Debian suite the SDK is made from, e.g. suite: bookworm"`
	GoVersion string   `yaml:"go-version" required:"true" fix:"write the Go toolchain version, e.g. go-version: 1.26.8"`
	Packages  []string `yaml:"packages" required:"true" fix:"list the Debian packages of the SDK, one \"- name\" or \"- name=version\" per line"`
	Registry  string   `yaml:"registry,omitempty" fix:"write a repository without tag or digest, e.g. registry: 127.0.0.1:5000/kitbash/sdk"`
}

// Vendor is a source of kits and the keys its kits must be signed with.
type Vendor struct {
	Registry string   `yaml:"registry" required:"true" fix:"write the repository prefix the vendor's kits are pulled from, e.g. registry: 127.0.0.1:5000/kitbash"`
	Keys     []string `yaml:"keys,omitempty" fix:"list public key files relative to the project directory, e.g. keys: [keys/core.pub]"`
}

// KitRef is an external kit the project uses.
type KitRef struct {
	Name    string `yaml:"name" required:"true" fix:"name the kit, e.g. name: core"`
	Version string `yaml:"version" required:"true" fix:"write the kit version, e.g. version: 1.2.0"`
	Vendor  string `yaml:"vendor" required:"true" fix:"name one of the vendors: entries, e.g. vendor: core"`
}

// Signing says how kits and images built by this project are signed.
type Signing struct {
	// Key is the cosign private key file, relative to the project directory.
	Key string `yaml:"key" required:"true" fix:"write the cosign private key file, relative to the project, e.g. key: keys/cosign.key"`
	// PasswordEnv names the environment variable holding the key's password; the CLI
	// reads it, this package never does.
	PasswordEnv string `yaml:"password-env,omitempty" fix:"name an environment variable, e.g. password-env: KITBASH_SIGNING_PASSWORD"`
}

// Cache configures the BuildKit cache.
type Cache struct {
	MaxSize      ByteSize `yaml:"max-size,omitempty" fix:"write a size like 20GiB or 512MB"`
	KeepDuration Duration `yaml:"keep-duration,omitempty" fix:"write a Go duration like 168h or 30m"`
	Import       []string `yaml:"import,omitempty" fix:"list BuildKit cache refs, e.g. - type=registry,ref=127.0.0.1:5000/kitbash/cache"`
	Export       []string `yaml:"export,omitempty" fix:"list BuildKit cache refs, e.g. - type=registry,ref=127.0.0.1:5000/kitbash/cache,mode=max"`
}

// MaxSizeBytes returns cache.max-size in bytes, or DefaultMaxCacheSize when unset (0).
func (c Cache) MaxSizeBytes() int64 {
	if c.MaxSize <= 0 {
		return int64(DefaultMaxCacheSize)
	}
	return int64(c.MaxSize)
}

// Keep returns cache.keep-duration, or DefaultKeepDuration when unset (0).
func (c Cache) Keep() time.Duration {
	if c.KeepDuration <= 0 {
		return DefaultKeepDuration
	}
	return time.Duration(c.KeepDuration)
}
