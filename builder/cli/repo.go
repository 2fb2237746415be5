package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/tufrepo"
)

func newRepoCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "repo",
		Short: "Make, extend, refresh and check TUF update repositories",
		Long: `A TUF repository publishes update images to hosts: metadata/ (signed root, targets,
snapshot, timestamp; consistent snapshots) and targets/ (files named <sha256>.<name>),
servable by any static HTTP server. manifest.json, a target, lists every published update
(variant, arch, version, max_version, waves, images) and the migrations between versions.

  kitbash repo keys keys/
  kitbash repo create repo/ --keys keys/
  kitbash repo add repo/ dev 0.1.0 --keys keys/
  kitbash repo validate repo/ --root repo/metadata/1.root.json`,
	}
	c.AddCommand(newRepoKeysCmd(g), newRepoCreateCmd(g), newRepoAddCmd(g), newRepoRefreshCmd(g),
		newRepoRotateRootCmd(g), newRepoValidateCmd(g), newRepoCheckExpirationsCmd(g))
	return c
}

// repoTimeFlags are --now and --expiry-policy, shared by the verbs that sign.
type repoTimeFlags struct {
	now    string
	policy string
}

func (f *repoTimeFlags) add(c *cobra.Command, policy bool) {
	c.Flags().StringVar(&f.now, "now", "", "compute expiry dates from this RFC 3339 time instead of the clock (reproducible runs)")
	if policy {
		c.Flags().StringVar(&f.policy, "expiry-policy", "", "YAML file of role lifetimes, e.g. 'timestamp: 1w' (default: root 52w, targets 2w, snapshot 2w, timestamp 1w)")
	}
}

// options maps the flags to library options; the clock is read here and nowhere below.
func (f *repoTimeFlags) options() ([]tufrepo.Option, error) {
	now, err := repoTime("--now", f.now)
	if err != nil {
		return nil, err
	}
	opts := []tufrepo.Option{tufrepo.WithNow(now)}
	if f.policy != "" {
		p, err := tufrepo.ReadExpiryPolicy(f.policy)
		if err != nil {
			return nil, err
		}
		opts = append(opts, tufrepo.WithExpiryPolicy(p))
	}
	return opts, nil
}

// repoTime parses an RFC 3339 flag value; empty means now.
func repoTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: fix: use RFC 3339, e.g. 2025-03-01T12:00:00Z", flag, s)
	}
	return t, nil
}

func requireFlag(name, value string) error {
	if value == "" {
		return fmt.Errorf("--%s is required", name)
	}
	return nil
}
