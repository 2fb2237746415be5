package testsys

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var bootstrapOKRE = regexp.MustCompile(`KITBASH-BOOTSTRAP-OK`)

// containerdSocket is where the image's containerd listens.
const containerdSocket = "/run/containerd/containerd.sock"

// bootstrapSuite checks the bootstrap container ran and is known to containerd.
func (r *runner) bootstrapSuite(ctx context.Context, g *guest, skip error) {
	r.check(SuiteBootstrap, "console", g, skip, func(c *Case) error {
		// The line may have come before the ready line; WaitFor only looks after it.
		for _, l := range g.m.Lines() {
			if bootstrapOKRE.MatchString(l) {
				c.Notes = append(c.Notes, "console: "+l)
				return nil
			}
		}
		wctx, cancel := context.WithTimeout(ctx, r.o.BootTimeout)
		defer cancel()
		l, _, err := g.m.WaitFor(wctx, bootstrapOKRE)
		if err != nil {
			return fmt.Errorf("no KITBASH-BOOTSTRAP-OK on the console: %w", err)
		}
		c.Notes = append(c.Notes, "console: "+l)
		return nil
	})
	r.check(SuiteBootstrap, "container", g, skip, func(c *Case) error {
		out, err := g.run(ctx, "/usr/bin/ctr", "--address", containerdSocket, "-n", "bootstrap", "containers", "ls", "-q")
		if err != nil {
			return err
		}
		ids := strings.Fields(out)
		if !slices.Contains(ids, "bootstrap") {
			return fmt.Errorf("containerd namespace bootstrap lists %q, not the container bootstrap", ids)
		}
		return nil
	})
	r.check(SuiteBootstrap, "containerd-plugins", g, skip, func(c *Case) error {
		out, err := g.run(ctx, "/usr/bin/ctr", "--address", containerdSocket, "plugins", "ls")
		if err != nil {
			return err
		}
		failed, n, err := failedPlugins(out)
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			return fmt.Errorf("containerd plugins in error: %s (the console shows why)", strings.Join(failed, ", "))
		}
		c.Notes = append(c.Notes, fmt.Sprintf("%d plugins, none in error", n))
		return nil
	})
}

// failedPlugins reads `ctr plugins ls` (TYPE ID PLATFORMS STATUS) and returns the
// TYPE/ID of every plugin whose status is error, and how many plugins it listed.
func failedPlugins(out string) ([]string, int, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "TYPE") {
		return nil, 0, fmt.Errorf("ctr plugins ls: unexpected output %q", out)
	}
	var failed []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 3 {
			return nil, 0, fmt.Errorf("ctr plugins ls: unexpected line %q", l)
		}
		if f[len(f)-1] == "error" {
			failed = append(failed, f[0]+"/"+f[1])
		}
	}
	return failed, len(lines) - 1, nil
}
