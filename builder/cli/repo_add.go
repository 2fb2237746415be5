package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/tufrepo"
)

func newRepoAddCmd(g *globals) *cobra.Command {
	var keysDir, imageDir, maxVersion, wavePolicy, releaseStart string
	var tf repoTimeFlags
	c := &cobra.Command{
		Use:   "add REPO_DIR VARIANT VERSION --keys DIR",
		Short: "Publish a variant's update images in a TUF repository",
		Long: `Publishes the update images (root, hash, boot) of VARIANT at VERSION, read from
image.json in build/images/VARIANT/VERSION/ of the project (or --image-dir), as targets
VARIANT-ARCH-VERSION-KIND.zst, and lists the version in manifest.json with its rollout
waves (seeds 0..2048, timed from --release-start) and max_version. Versions already
published stay listed. New targets, snapshot and timestamp versions are signed with the
publication keys of --keys.`,
		Example: "  kitbash repo add repo/ dev 0.2.0 --keys keys/\n  kitbash repo add repo/ dev 0.2.0 --keys keys/ --wave-policy accelerated --release-start 2025-03-02T08:00:00Z",
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlag("keys", keysDir); err != nil {
				return err
			}
			if _, err := tufrepo.WavePolicyNamed(wavePolicy); err != nil {
				return fmt.Errorf("--wave-policy: %w", err)
			}
			opts, err := tf.options()
			if err != nil {
				return err
			}
			if imageDir == "" {
				root, err := project.Find(g.projectDirOrCwd())
				if err != nil {
					return fmt.Errorf("%w; or pass --image-dir", err)
				}
				imageDir = imageinfo.Dir(root, args[1], args[2])
			}
			opts = append(opts, tufrepo.WithImageDir(imageDir), tufrepo.WithMaxVersion(maxVersion), tufrepo.WithWavePolicy(wavePolicy))
			if releaseStart != "" {
				t, err := repoTime("--release-start", releaseStart)
				if err != nil {
					return err
				}
				opts = append(opts, tufrepo.WithReleaseStart(t))
			}
			keys, err := tufrepo.LoadKeys(keysDir)
			if err != nil {
				return err
			}
			out, err := tufrepo.Add(args[0], keys, args[1], args[2], opts...)
			if err != nil {
				return err
			}
			return g.emit(out, func() {
				if out.Unchanged {
					fmt.Fprintf(g.stdout, "%s %s (%s) is already published so; nothing changed\n", out.Variant, out.Version, out.Arch)
					return
				}
				fmt.Fprintf(g.stdout, "published %s %s (%s), max_version %s, targets version %d: %s\n",
					out.Variant, out.Version, out.Arch, out.MaxVersion, out.TargetsVersion, strings.Join(out.Targets, ", "))
			})
		},
	}
	f := c.Flags()
	f.StringVar(&keysDir, "keys", "", "keys directory holding the publication keys")
	f.StringVar(&imageDir, "image-dir", "", "directory with image.json (default: build/images/VARIANT/VERSION of the project)")
	f.StringVar(&maxVersion, "max-version", "", "max_version for every update of this variant and arch (default: the highest published)")
	f.StringVar(&wavePolicy, "wave-policy", "default", "rollout schedule: "+strings.Join(tufrepo.WavePolicyNames(), ", "))
	f.StringVar(&releaseStart, "release-start", "", "RFC 3339 time the waves count from (default: --now)")
	_ = c.RegisterFlagCompletionFunc("wave-policy", fixedCompletion(tufrepo.WavePolicyNames()...))
	tf.add(c, true)
	return c
}
