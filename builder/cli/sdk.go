package cli

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/ocistore"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

func newSDKCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "sdk",
		Short: "Build, move and use the SDK: the toolchain image every build step runs in",
		Long: `The SDK is an OCI image made with mmdebstrap from the Debian packages listed in
Kitbash.yaml (sdk.packages) plus a Go toolchain from the Go module proxy. Its digest is
recorded in Kitbash.lock; builds use exactly that digest.`,
	}
	c.AddCommand(newSDKBuildCmd(g), newSDKPushCmd(g), newSDKPullCmd(g), newSDKRunCmd(g))
	return c
}

func sdkSpec(p project.Project) sdk.Spec {
	return sdk.Spec{Name: p.SDK.Name, Suite: p.SDK.Suite, GoVersion: p.SDK.GoVersion, Packages: p.SDK.Packages, Inputs: p.SDK.InputsDigest()}
}

// sourceDateEpoch is SOURCE_DATE_EPOCH when set, else the commit time of the last commit
// that touched path (so an unchanged input keeps its timestamps).
func (g *globals) sourceDateEpoch(dir, path string) (int64, error) {
	if v := g.env("SOURCE_DATE_EPOCH"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("SOURCE_DATE_EPOCH=%q: fix: set it to a non-negative integer (seconds since 1970)", v)
		}
		return n, nil
	}
	out, err := exec.Command("git", "-C", dir, "log", "-1", "--format=%ct", "--", path).Output()
	s := strings.TrimSpace(string(out))
	if err != nil || s == "" {
		return 0, fmt.Errorf("no SOURCE_DATE_EPOCH: %s has no git commit to take a time from; fix: commit it, or set SOURCE_DATE_EPOCH", path)
	}
	return strconv.ParseInt(s, 10, 64)
}

// lockedSDKImage is the project's locked SDK and the store that should hold it.
type lockedSDKImage struct {
	project *project.Loaded
	locked  project.LockedSDK
	digest  v1.Hash
	store   *ocistore.Store
}

// lockedSDK loads the project and its locked SDK, checked fresh against Kitbash.yaml.
func (g *globals) lockedSDK() (lockedSDKImage, error) {
	l, err := g.project()
	if err != nil {
		return lockedSDKImage{}, err
	}
	if err := l.Lock.SDKFresh(l.Project); err != nil {
		return lockedSDKImage{}, err
	}
	h, err := v1.NewHash(l.Lock.SDK.Digest)
	if err != nil {
		return lockedSDKImage{}, fmt.Errorf("%s: sdk.digest %q: %w", project.LockName, l.Lock.SDK.Digest, err)
	}
	store, err := g.store()
	if err != nil {
		return lockedSDKImage{}, err
	}
	return lockedSDKImage{project: l, locked: l.Lock.SDK, digest: h, store: store}, nil
}
