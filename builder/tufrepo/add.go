package tufrepo

import (
	"bytes"
	"fmt"
	"path/filepath"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

// Added describes a published version.
type Added struct {
	Variant        string   `json:"variant"`
	Arch           string   `json:"arch"`
	Version        string   `json:"version"`
	MaxVersion     string   `json:"maxVersion"`
	Targets        []string `json:"targets"`
	TargetsVersion int64    `json:"targetsVersion"`
	// Unchanged is true when the version was already published exactly so; nothing was
	// written.
	Unchanged bool `json:"unchanged,omitempty"`
}

// updateKinds are the update images of a version, in manifest order.
func updateKinds() []string { return []string{"boot", "root", "hash"} }

// Add publishes the update images of variant at version (image.json in WithImageDir) as
// targets <variant>-<arch>-<version>-<kind><ext>, adds the version to manifest.json
// (older versions stay listed), publishes the settings migrations the image carries for
// the versions since the previous published one (MigrationTargetName) and lists them
// under that pair of versions, and signs new targets, snapshot and timestamp versions.
func Add(dir string, keys *Keys, variant, version string, opts ...Option) (*Added, error) {
	fail := func(err error) (*Added, error) {
		return nil, fmt.Errorf("repo add %s %s: %w", variant, version, err)
	}
	c, err := newConfig(opts)
	if err == nil {
		err = c.needNow()
	}
	if err != nil {
		return fail(err)
	}
	if _, err := parseVersion(version); err != nil {
		return fail(err)
	}
	if c.imageDir == "" {
		return fail(fmt.Errorf("no image directory; fix: pass tufrepo.WithImageDir"))
	}
	im, err := imageinfo.Read(c.imageDir)
	if err != nil {
		return fail(err)
	}
	if im.Variant != variant || im.Version != version {
		return fail(fmt.Errorf("%s holds %s %s; fix: point --image-dir at the image of %s %s", c.imageDir, im.Variant, im.Version, variant, version))
	}
	if im.Arch == "" {
		return fail(fmt.Errorf("%s: no arch; fix: rebuild the image", filepath.Join(c.imageDir, imageinfo.FileName)))
	}
	r, err := openRepo(dir)
	if err != nil {
		return fail(err)
	}
	m, err := r.manifest()
	if err != nil {
		return fail(err)
	}
	before, err := m.Marshal()
	if err != nil {
		return fail(err)
	}
	steps, err := WavePolicyNamed(c.wavePolicy)
	if err != nil {
		return fail(err)
	}
	out := &Added{Variant: variant, Arch: im.Arch, Version: version}
	u := Update{Variant: variant, Arch: im.Arch, Version: version, Waves: wavesFor(steps, c.releaseStart)}
	changed := false
	for _, kind := range updateKinds() {
		f, ok := im.Updates[kind]
		if !ok || f.Path == "" {
			return fail(fmt.Errorf("%s lists no %q update image; fix: build the variant with updates: true", filepath.Join(c.imageDir, imageinfo.FileName), kind))
		}
		name := fmt.Sprintf("%s-%s-%s-%s%s", variant, im.Arch, version, kind, filepath.Ext(f.Path))
		ch, err := r.putTarget(name, filepath.Join(c.imageDir, f.Path), f.Sha256)
		if err != nil {
			return fail(err)
		}
		changed = changed || ch
		switch kind {
		case "boot":
			u.Images.Boot = name
		case "root":
			u.Images.Root = name
		case "hash":
			u.Images.Hash = name
		}
		out.Targets = append(out.Targets, name)
	}
	prev := m.previousVersion(variant, im.Arch, version)
	m.put(u, c.maxVersion)
	names, ch, err := r.putMigrations(m, c.imageDir, im, prev)
	if err != nil {
		return fail(err)
	}
	changed = changed || ch
	out.Targets = append(out.Targets, names...)
	after, err := m.Marshal()
	if err != nil {
		return fail(err)
	}
	for _, x := range m.Updates {
		if x.Variant == variant && x.Arch == im.Arch {
			out.MaxVersion = x.MaxVersion
			break
		}
	}
	if !changed && bytes.Equal(before, after) {
		out.TargetsVersion, out.Unchanged = r.targets.Signed.Version, true
		c.logf("%s %s is already published as asked; nothing to do", variant, version)
		return out, nil
	}
	if err := r.putManifest(m); err != nil {
		return fail(err)
	}
	if err := r.publish(keys, c.now, c.policy, true); err != nil {
		return fail(err)
	}
	out.TargetsVersion = r.targets.Signed.Version
	c.logf("published %s %s (%s) as targets version %d", variant, version, im.Arch, out.TargetsVersion)
	return out, nil
}
