package tufrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

const week = 7 * 24 * time.Hour

// ExpiryPolicy is how long each role's metadata stays valid once signed.
type ExpiryPolicy struct {
	Root      time.Duration
	Targets   time.Duration
	Snapshot  time.Duration
	Timestamp time.Duration
}

// DefaultExpiryPolicy is Bottlerocket's: root 52 weeks, targets and snapshot 2 weeks,
// timestamp 1 week.
func DefaultExpiryPolicy() ExpiryPolicy {
	return ExpiryPolicy{Root: 52 * week, Targets: 2 * week, Snapshot: 2 * week, Timestamp: week}
}

func (p ExpiryPolicy) validate() error {
	for _, r := range []struct {
		role string
		d    time.Duration
	}{{"root", p.Root}, {"targets", p.Targets}, {"snapshot", p.Snapshot}, {"timestamp", p.Timestamp}} {
		if r.d <= 0 {
			return fmt.Errorf("expiry policy: %s: %s is not a positive duration; fix: write e.g. %s: 2w", r.role, r.d, r.role)
		}
	}
	return nil
}

// expiry returns the lifetime of role's metadata.
func (p ExpiryPolicy) expiry(role string) time.Duration {
	switch role {
	case "root":
		return p.Root
	case "targets":
		return p.Targets
	case "snapshot":
		return p.Snapshot
	default:
		return p.Timestamp
	}
}

// policyFile is the YAML form: durations such as 52w, 14d, 36h, 1w2d; missing roles keep
// the defaults.
type policyFile struct {
	Root      string `yaml:"root"`
	Targets   string `yaml:"targets"`
	Snapshot  string `yaml:"snapshot"`
	Timestamp string `yaml:"timestamp"`
}

// ReadExpiryPolicy reads an expiry policy YAML file.
func ReadExpiryPolicy(path string) (ExpiryPolicy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return ExpiryPolicy{}, fmt.Errorf("expiry policy: %w", err)
	}
	p, err := ParseExpiryPolicy(b)
	if err != nil {
		return ExpiryPolicy{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParseExpiryPolicy parses the YAML form of an expiry policy:
//
//	root: 52w
//	targets: 2w
//	snapshot: 2w
//	timestamp: 1w
func ParseExpiryPolicy(b []byte) (ExpiryPolicy, error) {
	var f policyFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return ExpiryPolicy{}, fmt.Errorf("expiry policy: %w; fix: use the keys root, targets, snapshot, timestamp", err)
	}
	p := DefaultExpiryPolicy()
	for _, r := range []struct {
		role string
		s    string
		d    *time.Duration
	}{{"root", f.Root, &p.Root}, {"targets", f.Targets, &p.Targets}, {"snapshot", f.Snapshot, &p.Snapshot}, {"timestamp", f.Timestamp, &p.Timestamp}} {
		if r.s == "" {
			continue
		}
		d, err := ParseDuration(r.s)
		if err != nil {
			return ExpiryPolicy{}, fmt.Errorf("expiry policy: %s: %w", r.role, err)
		}
		*r.d = d
	}
	return p, p.validate()
}

// ParseDuration is time.ParseDuration plus the units w (weeks) and d (days): "52w",
// "1w2d", "36h", "90m".
func ParseDuration(s string) (time.Duration, error) {
	rest := strings.TrimSpace(s)
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || (rest[i] != 'w' && rest[i] != 'd') {
			break
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		unit := 24 * time.Hour
		if rest[i] == 'w' {
			unit = week
		}
		total += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("duration %q: fix: write e.g. 52w, 14d, 36h or 1w2d", s)
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf("duration %q is not positive", s)
	}
	return total, nil
}
