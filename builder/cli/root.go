// Package cli is the kitbash command line: one file per verb. It maps flags and the
// environment to library options once (globals.go); the packages it calls never read
// the environment.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// NewRoot builds the command tree.
func NewRoot(env Env, stdout, stderr io.Writer) *cobra.Command {
	g := newGlobals(env, stdout, stderr)
	root := &cobra.Command{
		Use:   "kitbash",
		Short: "Reproducible, BuildKit-driven builds of container-host operating systems",
		Long: `kitbash compiles package specs in BuildKit sandboxes, packs them into signed OCI kits,
assembles kits into dm-verity protected A/B disk images, and publishes TUF update repositories.

Environment: BUILDKIT_HOST (an existing BuildKit daemon), KITBASH_STATE_DIR, KITBASH_CACHE_DIR,
KITBASH_BUILDKITD. Flags win over the environment.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: func(*cobra.Command, []string) error { return g.defaults() },
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	f := root.PersistentFlags()
	f.StringVarP(&g.projectDir, "project", "C", "", "project directory (default: the nearest parent with a Kitbash.yaml)")
	f.StringVar(&g.stateDir, "state-dir", "", "where the local engine lives (default $KITBASH_STATE_DIR or $XDG_STATE_HOME/kitbash)")
	f.StringVar(&g.cacheDir, "cache-dir", "", "local OCI store and download caches (default $KITBASH_CACHE_DIR or $XDG_CACHE_HOME/kitbash)")
	f.StringVar(&g.buildkitHost, "buildkit-host", "", "use this BuildKit daemon instead of a local one: unix://, tcp://, docker-container://, kube-pod:// (default $BUILDKIT_HOST)")
	f.StringVar(&g.tls.CACert, "tlscacert", "", "CA certificate for a tcp:// BuildKit host")
	f.StringVar(&g.tls.Cert, "tlscert", "", "client certificate for a tcp:// BuildKit host")
	f.StringVar(&g.tls.Key, "tlskey", "", "client key for a tcp:// BuildKit host")
	f.StringVar(&g.tls.ServerName, "tlsservername", "", "server name to verify for a tcp:// BuildKit host")
	f.StringVar(&g.buildkitd, "buildkitd", "", "buildkitd binary for the local engine (default $KITBASH_BUILDKITD, .tools/bin, or PATH)")
	f.StringVar(&g.progress, "progress", "auto", "progress display: auto, plain, tty, rawjson, quiet")
	f.StringVarP(&g.output, "output", "o", "text", "result format: text or json")
	f.BoolVar(&g.debug, "debug", false, "verbose engine logging")
	f.DurationVar(&g.startTimeout, "engine-start-timeout", 0, "how long a starting local engine may take (default 60s)")
	_ = root.RegisterFlagCompletionFunc("progress", fixedCompletion("auto", "plain", "tty", "rawjson", "quiet"))
	_ = root.RegisterFlagCompletionFunc("output", fixedCompletion("text", "json"))

	root.AddCommand(
		newVersionCmd(g),
		newInitCmd(g),
		newEngineCmd(g),
		newSDKCmd(g),
		newValidateCmd(g),
		newGraphCmd(g),
		newFetchCmd(g),
		newBuildCmd(g),
		newPublishCmd(g),
		newKitCmd(g),
		newUpdateCmd(g),
		newRunCmd(g),
		newTestCmd(g),
		newRepoCmd(g),
		newRebuildCmd(g),
	)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	return root
}

func fixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// Execute runs kitbash with args and returns the process exit code. Errors are printed
// once, as "kitbash: ...".
func Execute(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) int {
	root := NewRoot(env, stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		msg := err.Error()
		if errors.Is(err, context.Canceled) {
			msg = "interrupted"
		}
		fmt.Fprintf(stderr, "kitbash: %s\n", strings.TrimRight(msg, "\n"))
		return 1
	}
	return 0
}
