package testsys

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"
)

// bootSuite records the shared machine's boot and checks what it booted.
func (r *runner) bootSuite(ctx context.Context, g *guest, started time.Time, bootErr error) {
	r.check(SuiteBoot, "ready", g, nil, func(c *Case) error {
		if bootErr != nil {
			c.Duration = time.Since(started)
			return bootErr
		}
		c.Duration = g.ready
		c.Notes = append(c.Notes, fmt.Sprintf("ready %s after QEMU start (%s); init reports bootMs=%d, services=%d",
			roundDur(g.ready), r.o.Accel, g.info.BootMs, g.info.Services))
		return nil
	})
	var skip error
	if bootErr != nil {
		skip = fmt.Errorf("not run: the machine did not boot (see boot/ready)")
	}
	r.check(SuiteBoot, "cmdline-roothash", g, skip, func(c *Case) error {
		slot, ok := r.im.Slot("a")
		if !ok || slot.RootHash == "" {
			return fmt.Errorf("image.json has no root hash for slot a")
		}
		out, err := g.run(ctx, "/usr/bin/cat", "/proc/cmdline")
		if err != nil {
			return err
		}
		want := "kitbash.roothash=" + slot.RootHash
		for _, f := range strings.Fields(out) {
			if f == want {
				return nil
			}
		}
		return fmt.Errorf("/proc/cmdline lacks %s:\n%s", want, strings.TrimSpace(out))
	})
	r.check(SuiteBoot, "os-release", g, skip, func(c *Case) error {
		out, err := g.run(ctx, "/usr/bin/cat", "/usr/lib/os-release")
		if err != nil {
			return err
		}
		osr := parseOSRelease(out)
		var bad []string
		for k, want := range map[string]string{"VARIANT_ID": r.im.Variant, "VERSION_ID": r.im.Version} {
			if osr[k] != want {
				bad = append(bad, fmt.Sprintf("%s=%q, want %q", k, osr[k], want))
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("/usr/lib/os-release: %s:\n%s", strings.Join(bad, "; "), strings.TrimSpace(out))
		}
		return nil
	})
}

// parseOSRelease reads KEY=VALUE lines, unquoting values.
func parseOSRelease(s string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		m[k] = v
	}
	return m
}
