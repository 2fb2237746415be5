package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/sandbox"
	"github.com/kitbash-dev/kitbash/builder/sdk"
)

// exitError carries a sandboxed command's exit status to the process.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("command exited with status %d", e.code) }

func newSDKRunCmd(g *globals) *cobra.Command {
	var network bool
	c := &cobra.Command{
		Use:   "run -- COMMAND [ARG...]",
		Short: "Run a command in a build sandbox on the locked SDK and print its output",
		Long: `Runs COMMAND the way package build steps run: in the locked SDK image on the engine, with
no network (unless --network), no host paths, and SOURCE_DATE_EPOCH set. Its stdout and
stderr are printed and its exit status becomes kitbash's. BuildKit caches the result, so the
same command on the same SDK is answered from cache.`,
		Example: "  kitbash sdk run -- go version\n  kitbash sdk run -- sh -c 'cat /proc/net/dev'",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ls, err := g.lockedSDK()
			if err != nil {
				return err
			}
			l, locked, h, store := ls.project, ls.locked, ls.digest, ls.store
			if !store.Has(h) {
				return fmt.Errorf("sdk %s is not in the local store %s; fix: run `kitbash sdk build`, or `kitbash sdk pull REPO@%s`", h, store.Dir(), h)
			}
			cfg, err := sdk.LoadConfig(store, h)
			if err != nil {
				return err
			}
			epoch, err := g.sourceDateEpoch(l.Dir, project.FileName)
			if err != nil {
				return err
			}
			cs, err := store.ContentStore(cmd.Context())
			if err != nil {
				return err
			}
			e, err := g.engine(cmd.Context(), g.startOptions()...)
			if err != nil {
				return err
			}
			defer e.Close()
			out, err := os.MkdirTemp("", "kitbash-run-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(out)
			step := sandbox.Step{
				Name:   "sdk run: " + strings.Join(args, " "),
				Script: captureScript(args),
				Epoch:  epoch,
			}
			if network {
				step.Network = sandbox.NetworkSandbox
			}
			base := sandbox.Base{Ref: sdk.ImageName(locked.Name, h), StoreID: "kitbash-store", Env: cfg.Env}
			if err := sandbox.Run(cmd.Context(), e.Client, cs, base, step, sandbox.RunOptions{OutDir: out, Progress: g.progressMode(), Log: g.stderr}); err != nil {
				return err
			}
			return relayOutput(g, out)
		},
	}
	c.Flags().BoolVar(&network, "network", false, "give the command network access (never allowed in package builds under --release)")
	return c
}

// captureScript runs the command with its output and status captured under /out, so a
// failing command still yields its output (and a cached result replays it).
func captureScript(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return "set +e\n" + strings.Join(q, " ") + " >/out/stdout 2>/out/stderr </dev/null\necho $? >/out/status\n"
}

func relayOutput(g *globals, dir string) error {
	for _, f := range []struct {
		name string
		w    interface{ Write([]byte) (int, error) }
	}{{"stdout", g.stdout}, {"stderr", g.stderr}} {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return fmt.Errorf("read step %s: %w", f.name, err)
		}
		if _, err := f.w.Write(b); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return fmt.Errorf("read step status: %w", err)
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("step status %q: %w", b, err)
	}
	if code != 0 {
		return exitError{code: code}
	}
	return nil
}
