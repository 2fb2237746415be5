package testsys

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Settings the settings suite uses.
const (
	defaultMotd = "Welcome to Kitbash"
	testMotd    = "testsys was here"
	apiclient   = "/usr/bin/apiclient"
	motdFile    = "/run/motd"
)

// settingsSuite makes a round trip through the settings API.
func (r *runner) settingsSuite(ctx context.Context, g *guest, skip error) {
	r.check(SuiteSettings, "get-default", g, skip, func(c *Case) error {
		got, err := getSetting(ctx, g, "motd")
		if err != nil {
			return err
		}
		if got != defaultMotd {
			return fmt.Errorf("motd = %q, want the variant's default %q", got, defaultMotd)
		}
		return nil
	})
	r.check(SuiteSettings, "set", g, skip, func(c *Case) error {
		out, err := g.run(ctx, apiclient, "set", "motd="+testMotd)
		if err != nil {
			return err
		}
		c.Notes = append(c.Notes, "apiclient set: "+strings.TrimSpace(out))
		got, err := getSetting(ctx, g, "motd")
		if err != nil {
			return err
		}
		if got != testMotd {
			return fmt.Errorf("after set, motd = %q, want %q", got, testMotd)
		}
		return nil
	})
	r.check(SuiteSettings, "rendered", g, skip, func(c *Case) error {
		out, err := g.run(ctx, "/usr/bin/cat", motdFile)
		if err != nil {
			return err
		}
		if !strings.Contains(out, testMotd) {
			return fmt.Errorf("%s does not contain %q:\n%s", motdFile, testMotd, out)
		}
		return nil
	})
	r.check(SuiteSettings, "refuses-invalid", g, skip, func(c *Case) error {
		before, err := g.run(ctx, apiclient, "get")
		if err != nil {
			return err
		}
		res, err := g.exec(ctx, []string{apiclient, "set", "no.such.key=1"}, "")
		if err != nil {
			return err
		}
		if res.Error != "" {
			return fmt.Errorf("apiclient set no.such.key=1 did not run: %s", res.Error)
		}
		if res.Exit == 0 {
			return fmt.Errorf("apiclient set no.such.key=1 succeeded; want it refused:\n%s", res.Stdout)
		}
		c.Notes = append(c.Notes, fmt.Sprintf("refused with exit %d: %s", res.Exit, strings.TrimSpace(res.Stderr)))
		after, err := g.run(ctx, apiclient, "get")
		if err != nil {
			return err
		}
		same, err := sameJSON(before, after)
		if err != nil {
			return fmt.Errorf("apiclient get: %w", err)
		}
		if !same {
			return fmt.Errorf("a refused request changed the settings:\nbefore: %s\nafter:  %s", before, after)
		}
		return nil
	})
}

// getSetting returns a string setting from `apiclient get KEY` (a JSON tree).
func getSetting(ctx context.Context, g *guest, key string) (string, error) {
	out, err := g.run(ctx, apiclient, "get", key)
	if err != nil {
		return "", err
	}
	var tree any
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		return "", fmt.Errorf("apiclient get %s printed no JSON: %w:\n%s", key, err, out)
	}
	v := tree
	for _, part := range strings.Split(key, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("apiclient get %s: no %s in %s", key, key, out)
		}
		if v, ok = m[part]; !ok {
			return "", fmt.Errorf("apiclient get %s: no %s in %s", key, key, out)
		}
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("apiclient get %s: %v is not a string", key, v)
	}
	return s, nil
}

// sameJSON compares two JSON documents by value.
func sameJSON(a, b string) (bool, error) {
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		return false, err
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		return false, err
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb), nil
}
