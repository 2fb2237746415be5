package project

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// Lock is the content of Kitbash.lock: the exact SDK and kits a build uses. kitbash
// writes it (Loaded.WriteLock); people commit it and do not edit it.
type Lock struct {
	SchemaVersion int         `yaml:"schema-version" required:"true" fix:"write schema-version: 1, or delete Kitbash.lock and let kitbash write it again"`
	SDK           LockedSDK   `yaml:"sdk,omitempty"`
	Kits          []LockedKit `yaml:"kits"`
}

// LockedSDK pins the SDK image.
type LockedSDK struct {
	Name     string   `yaml:"name" required:"true"`
	Digest   string   `yaml:"digest" required:"true" fix:"write the SDK's OCI manifest digest, sha256:<64 hex>"`
	Inputs   string   `yaml:"inputs" required:"true" fix:"write SDK.InputsDigest() of the sdk section, sha256:<64 hex>"`
	Ref      string   `yaml:"ref"`      // registry reference it was pushed to or pulled from, if any
	Packages []string `yaml:"packages"` // resolved "name=version" of every Debian package in it
}

// IsZero reports whether no SDK is recorded (then the sdk section is not written).
func (s LockedSDK) IsZero() bool {
	return s.Name == "" && s.Digest == "" && s.Inputs == "" && s.Ref == "" && len(s.Packages) == 0
}

// LockedKit pins one external kit.
type LockedKit struct {
	Name    string `yaml:"name" required:"true"`
	Version string `yaml:"version" required:"true"`
	Vendor  string `yaml:"vendor" required:"true"`
	Source  string `yaml:"source" required:"true" fix:"write the reference the kit was fetched from"`
	Digest  string `yaml:"digest" required:"true" fix:"write the kit's OCI manifest digest, sha256:<64 hex>"`
	// Signer is the id of the trusted key whose signature verified when the kit was
	// locked; empty for a kit locked with --allow-unsigned.
	Signer string `yaml:"signer,omitempty"`
}

// ErrSDKStale is wrapped by SDKFresh's errors.
var ErrSDKStale = errors.New("SDK is missing or out of date")

// SDKFresh returns nil when the lock records an SDK made from p's current sdk section,
// else an error wrapping ErrSDKStale that says what to run.
func (l Lock) SDKFresh(p Project) error {
	const pull = "`kitbash sdk pull REF@DIGEST`"
	if l.SDK.Digest == "" {
		return fmt.Errorf("%w: %s records no SDK; run `kitbash sdk build`, or %s to use a published one", ErrSDKStale, LockName, pull)
	}
	if want := p.SDK.InputsDigest(); l.SDK.Inputs != want {
		return fmt.Errorf("%w: the sdk section of %s changed since the SDK in %s was made (inputs %s, now %s); run `kitbash sdk build`, or %s for an SDK made from the current sdk section",
			ErrSDKStale, FileName, LockName, l.SDK.Inputs, want, pull)
	}
	return nil
}

// normalized returns a copy with the schema version set, lists sorted and repeated
// packages dropped.
func (l Lock) normalized() Lock {
	if l.SchemaVersion == 0 {
		l.SchemaVersion = SchemaVersion
	}
	if l.SDK.Packages != nil {
		l.SDK.Packages = slices.Compact(slices.Sorted(slices.Values(l.SDK.Packages)))
	}
	l.Kits = slices.Clone(l.Kits)
	if l.Kits == nil {
		l.Kits = []LockedKit{}
	}
	slices.SortStableFunc(l.Kits, func(a, b LockedKit) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Vendor, b.Vendor), cmp.Compare(a.Version, b.Version))
	})
	return l
}

const lockHeader = "# Kitbash.lock: the exact SDK and kits this project builds with.\n" +
	"# Written by kitbash; commit it, do not edit it.\n"

// encode renders the lock as deterministic YAML.
func (l Lock) encode() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(lockHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(l); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", LockName, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", LockName, err)
	}
	return buf.Bytes(), nil
}
