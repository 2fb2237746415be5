package sdk

import (
	"fmt"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
)

// Config is what BuildKit steps need from an SDK image's config.
type Config struct {
	Env        []string // sorted
	WorkingDir string
}

// LoadConfig reads the config of the SDK image with manifest digest in store.
func LoadConfig(store *ocistore.Store, digest v1.Hash) (Config, error) {
	img, err := store.Image(digest)
	if err != nil {
		return Config{}, fmt.Errorf("load SDK config: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return Config{}, fmt.Errorf("load SDK config %s: %w", digest, err)
	}
	env := slices.Clone(cf.Config.Env)
	slices.Sort(env)
	return Config{Env: env, WorkingDir: cf.Config.WorkingDir}, nil
}
