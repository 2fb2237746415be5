package sdk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
)

// imageEnv is the SDK's environment, sorted.
func imageEnv() []string {
	return []string{
		"GOROOT=/" + goRoot,
		"GOTOOLCHAIN=local",
		"LANG=C.UTF-8",
		"PATH=/" + goRoot + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	}
}

// imageInputs is everything the image is assembled from: the seam between the
// slow tool runs and the deterministic assembly.
type imageInputs struct {
	spec         Spec
	epoch        time.Time
	rootfsTar    string
	toolchainTar string
	packages     []string // resolved, sorted
	goSum        string   // h1: hash of the toolchain zip
}

// assembleImage builds the two-layer OCI image. The same inputs always give the
// same manifest digest.
func assembleImage(in imageInputs) (v1.Image, error) {
	rootfs, err := newFileLayer(in.rootfsTar)
	if err != nil {
		return nil, fmt.Errorf("rootfs layer: %w", err)
	}
	goLayer, err := newFileLayer(in.toolchainTar)
	if err != nil {
		return nil, fmt.Errorf("toolchain layer: %w", err)
	}
	created := v1.Time{Time: in.epoch.UTC()}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base,
		mutate.Addendum{Layer: rootfs, MediaType: types.OCIUncompressedLayer, History: v1.History{
			Created:   created,
			CreatedBy: "mmdebstrap --variant=essential " + in.spec.Suite + " (packages: label " + LabelPackages + ")",
			Comment:   "Debian rootfs",
		}},
		mutate.Addendum{Layer: goLayer, MediaType: types.OCIUncompressedLayer, History: v1.History{
			Created:   created,
			CreatedBy: "go " + in.spec.GoVersion + " " + toolchainPlatform + " in /" + goRoot,
			Comment:   "Go toolchain",
		}},
	)
	if err != nil {
		return nil, fmt.Errorf("append layers: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Created = created
	cf.Config.Env = imageEnv()
	cf.Config.WorkingDir = "/"
	cf.Config.Cmd = []string{"/bin/bash"}
	cf.Config.Labels = imageLabels(in)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("set config: %w", err)
	}
	return img, nil
}

func imageLabels(in imageInputs) map[string]string {
	l := map[string]string{
		LabelTitle:     in.spec.Name,
		LabelCreated:   in.epoch.UTC().Format(time.RFC3339),
		LabelGoVersion: in.spec.GoVersion,
		LabelSuite:     in.spec.Suite,
		LabelPackages:  strings.Join(in.packages, ","),
	}
	if in.goSum != "" {
		l[LabelGoSum] = in.goSum
	}
	if in.spec.Inputs != "" {
		l[LabelInputs] = in.spec.Inputs
	}
	return l
}

// storeImage assembles the image and puts it into store under ImageName.
func storeImage(ctx context.Context, store *ocistore.Store, in imageInputs) (Result, error) {
	img, err := assembleImage(in)
	if err != nil {
		return Result{}, fmt.Errorf("assemble SDK image %s: %w", in.spec.Name, err)
	}
	h, err := img.Digest()
	if err != nil {
		return Result{}, fmt.Errorf("SDK image %s digest: %w", in.spec.Name, err)
	}
	if _, err := store.Put(ctx, ImageName(in.spec.Name, h), img); err != nil {
		return Result{}, fmt.Errorf("store SDK image %s: %w", in.spec.Name, err)
	}
	size, err := imageSize(img)
	if err != nil {
		return Result{}, err
	}
	return Result{Name: in.spec.Name, Digest: h, Packages: slices.Clone(in.packages), Size: size}, nil
}

// imageSize is manifest + config + layer bytes.
func imageSize(img v1.Image) (int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, fmt.Errorf("read manifest: %w", err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return 0, fmt.Errorf("read manifest: %w", err)
	}
	n := int64(len(raw)) + m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil
}
