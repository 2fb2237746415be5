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
}
