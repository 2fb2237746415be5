// Package variant reads variants/<name>/variant.yaml: which kits and packages make an
// image, its kernel and command line, its disk layout and output formats, and the
// default settings its agents start from.
package variant

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/project"
	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Files and schema.
const (
	Dir    = "variants"
	File   = "variant.yaml"
	Schema = 1
)

// Spec is the content of a variant.yaml.
type Spec struct {
	SchemaVersion int            `yaml:"schema-version" required:"true" fix:"write schema-version: 1"`
	Name          string         `yaml:"name" required:"true" fix:"name the variant after its folder, e.g. name: dev"`
	Summary       string         `yaml:"summary" required:"true" fix:"describe the variant in one line"`
	Kits          []string       `yaml:"kits" required:"true" fix:"list the kits whose packages the image may use, e.g. kits: [core]"`
	Packages      []string       `yaml:"packages" required:"true" fix:"list the packages to install; their requires are added, e.g. packages: [containerd, agents]"`
	Kernel        Kernel         `yaml:"kernel" required:"true" fix:"add kernel: with package: and parameters:"`
	Formats       []Format       `yaml:"formats,omitempty" fix:"list image formats: raw (always made) and qcow2"`
	Layout        Layout         `yaml:"layout,omitempty"`
	Settings      map[string]any `yaml:"settings,omitempty" fix:"map setting keys to their default values, e.g. settings: {motd: hello}"`
	// Services are service definitions the variant adds (packages ship their own).
	Services map[string]Service `yaml:"services,omitempty" fix:"map service names to definitions with command:"`
	// Updates configures in-place updates.
	Updates UpdatesConfig `yaml:"updates,omitempty"`
}

// UpdatesConfig is the variant's update configuration.
type UpdatesConfig struct {
	// Root is the TUF root.json of the update repository, a file relative to the
	// variant's folder, baked into the image as UpdateRootPath: the updater trusts only
	// repositories signed by its keys. Without it the image cannot be updated.
	Root string `yaml:"root,omitempty" fix:"name the repository's root.json, relative to the variant's folder, e.g. root: root.json"`
	// Migrations is a folder, relative to the variant's folder, of settings migration
	// files named <version>.json (see MigrationsPath). An image carries those of its
	// version and older; `kitbash repo add` publishes them for the updater.
	Migrations string `yaml:"migrations,omitempty" fix:"name the folder of <version>.json migration files, relative to the variant's folder, e.g. migrations: migrations"`
}

// UpdateRootPath is where the image holds the update repository's trusted root.
const UpdateRootPath = "usr/share/kitbash/updates/root.json"

// Kernel is the kernel package and its command line (the slot's verity and partition
// parameters are added by the assembler).
type Kernel struct {
	Package    string   `yaml:"package" required:"true" fix:"name the package that installs /boot/vmlinuz, e.g. package: kernel"`
	Parameters []string `yaml:"parameters,omitempty" fix:"list kernel parameters, e.g. parameters: [console=ttyS0]"`
}

// Format is an output image format.
type Format string

// Formats.
const (
	FormatRaw   Format = "raw"
	FormatQCOW2 Format = "qcow2"
)

// Layout is the disk plan. Zero values take the defaults.
type Layout struct {
	DiskSize    project.ByteSize `yaml:"disk-size,omitempty" fix:"write a size like 2GiB"`
	ESPSize     project.ByteSize `yaml:"esp-size,omitempty" fix:"write a size like 64MiB"`
	RootSize    project.ByteSize `yaml:"root-size,omitempty" fix:"write a size like 512MiB: each slot's ROOT partition"`
	PrivateSize project.ByteSize `yaml:"private-size,omitempty" fix:"write a size like 16MiB"`
	// Updates off drops slot B: the image cannot be updated in place.
	Updates *bool `yaml:"updates,omitempty" fix:"write updates: true (A/B slots, the default) or false"`
}

// Defaults of Layout.
const (
	DefaultDiskSize    = 2 << 30
	DefaultESPSize     = 64 << 20
	DefaultRootSize    = 512 << 20
	DefaultPrivateSize = 16 << 20
)

// WithDefaults returns l with every zero value replaced by its default.
func (l Layout) WithDefaults() Layout {
	set := func(v *project.ByteSize, d int64) {
		if *v == 0 {
			*v = project.ByteSize(d)
		}
	}
	set(&l.DiskSize, DefaultDiskSize)
	set(&l.ESPSize, DefaultESPSize)
	set(&l.RootSize, DefaultRootSize)
	set(&l.PrivateSize, DefaultPrivateSize)
	if l.Updates == nil {
		on := true
		l.Updates = &on
	}
	return l
}

var (
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	pkgRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9._+-]*$`)
	paramRE   = regexp.MustCompile(`^[^\s"']+$`)
	settingRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$`)
	// Parameters the assembler sets itself and a variant must not (kitbash.ready-timeout=,
	// init's watchdog for slots on trial, is the variant's).
	reservedParams = []string{"root=", "kitbash.", "init=", "dm-mod.create="}
)

// Validate checks a decoded variant.yaml and returns every problem at once.
func (s *Spec) Validate(doc *yamlstrict.Doc) error {
	var ps yamlstrict.Problems
	add := func(field, msg, fix string) { ps.Add(doc.Problem(field, msg, fix)) }
	if s.SchemaVersion != Schema {
		add("schema-version", fmt.Sprintf("unsupported schema-version %d", s.SchemaVersion), "write schema-version: 1")
	}
	if !nameRE.MatchString(s.Name) {
		add("name", fmt.Sprintf("%q is not a variant name", s.Name), "use lowercase letters, digits, '.', '_' and '-', e.g. dev")
	}
	if strings.TrimSpace(s.Summary) == "" {
		add("summary", "must not be empty", "describe the variant in one line")
	}
	names(&ps, doc, "kits", s.Kits, nameRE, "a kit name")
	names(&ps, doc, "packages", s.Packages, pkgRE, "a package name")
	if len(s.Kits) == 0 {
		add("kits", "a variant uses at least one kit", "list kits, e.g. kits: [core]")
	}
	if len(s.Packages) == 0 {
		add("packages", "a variant installs at least one package", "list packages, e.g. packages: [containerd]")
	}
	if !pkgRE.MatchString(s.Kernel.Package) {
		add("kernel.package", fmt.Sprintf("%q is not a package name", s.Kernel.Package), "name the kernel package, e.g. kernel")
	}
	for i, p := range s.Kernel.Parameters {
		f := yamlstrict.Index("kernel.parameters", i)
		if !paramRE.MatchString(p) {
			add(f, fmt.Sprintf("%q is not one kernel parameter", p), "write one parameter per entry, without spaces or quotes")
			continue
		}
		for _, r := range reservedParams {
			if strings.HasPrefix(p, r) && !strings.HasPrefix(p, "kitbash.ready-timeout=") {
				add(f, fmt.Sprintf("%q is set by kitbash for each boot slot", p), "remove it: the root, verity and partition parameters are generated")
			}
		}
	}
	for i, f := range s.Formats {
		if f != FormatRaw && f != FormatQCOW2 {
			add(yamlstrict.Index("formats", i), fmt.Sprintf("unknown format %q", f), "use raw or qcow2")
		}
	}
	s.Layout.validate(&ps, doc)
	validateServices(&ps, doc, s.Services)
	if r := s.Updates.Root; r != "" && (filepath.IsAbs(r) || strings.HasPrefix(filepath.Clean(r), "..")) {
		add("updates.root", fmt.Sprintf("%q is not inside the variant's folder", r), "put root.json next to variant.yaml and write root: root.json")
	}
	if r := s.Updates.Migrations; r != "" && (filepath.IsAbs(r) || strings.HasPrefix(filepath.Clean(r), "..")) {
		add("updates.migrations", fmt.Sprintf("%q is not inside the variant's folder", r), "put the migrations folder next to variant.yaml and write migrations: migrations")
	}
	for _, k := range sortedKeys(s.Settings) {
		if !settingRE.MatchString(k) {
			add(yamlstrict.Join("settings", k), fmt.Sprintf("%q is not a setting key", k), "write dotted keys of lowercase segments, e.g. motd or net.hostname")
		}
	}
	return ps.Err()
}

func (l Layout) validate(ps *yamlstrict.Problems, doc *yamlstrict.Doc) {
	d := l.WithDefaults()
	slots := int64(2)
	if !*d.Updates {
		slots = 1
	}
	const mib = 1 << 20
	for _, f := range []struct {
		field string
		v     project.ByteSize
	}{{"layout.esp-size", d.ESPSize}, {"layout.root-size", d.RootSize}, {"layout.private-size", d.PrivateSize}} {
		if f.v%mib != 0 {
			ps.Add(doc.Problem(f.field, fmt.Sprintf("%s is not a whole number of MiB", f.v), "partitions are aligned to 1 MiB: use a multiple of 1MiB"))
		}
	}
	// Each slot: ROOT plus a HASH of about 1/127 of it; then PRIVATE and at least 64 MiB of DATA.
	need := int64(d.ESPSize) + slots*(int64(d.RootSize)+int64(d.RootSize)/127+mib) + int64(d.PrivateSize) + 64*mib + 2*mib
	if int64(d.DiskSize) < need {
		ps.Add(doc.Problem("layout.disk-size", fmt.Sprintf("%s is too small for the layout (needs at least %s)", d.DiskSize, project.ByteSize(need)),
			"make disk-size larger, or root-size smaller"))
	}
}

func names(ps *yamlstrict.Problems, doc *yamlstrict.Doc, field string, list []string, re *regexp.Regexp, what string) {
	seen := map[string]bool{}
	for i, n := range list {
		f := yamlstrict.Index(field, i)
		switch {
		case !re.MatchString(n):
			ps.Add(doc.Problem(f, fmt.Sprintf("%q is not %s", n, what), "use lowercase letters, digits and '.', '_', '-'"))
		case seen[n]:
			ps.Add(doc.Problem(f, fmt.Sprintf("%q is listed twice", n), "remove one of them"))
		}
		seen[n] = true
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Loaded is a variant read from disk.
type Loaded struct {
	Spec
	Doc  *yamlstrict.Doc
	File string
	// Migrations are the files of updates.migrations, sorted by version.
	Migrations []Migration
}

// Load reads variants/<name>/variant.yaml of the project at root; shown names the
// project directory in messages.
func Load(root, shown, name string) (*Loaded, error) {
	data, err := os.ReadFile(filepath.Join(root, Dir, name, File))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no variant %q: %s does not exist; fix: create it, or use one of: %s", name, filepath.Join(shown, Dir, name, File), strings.Join(List(root), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("read variant %s: %w", name, err)
	}
	file := filepath.Join(shown, Dir, name, File)
	var s Spec
	doc, derr := yamlstrict.Decode(file, data, &s)
	verr := s.Validate(doc)
	if s.Name != "" && s.Name != name {
		var ps yamlstrict.Problems
		ps.Add(doc.Problem("name", fmt.Sprintf("variant %q is in folder variants/%s", s.Name, name), "write name: "+name+", or rename the folder"))
		verr = yamlstrict.Combine(verr, ps.Err())
	}
	if r := s.Updates.Root; r != "" && verr == nil {
		if _, err := os.Stat(filepath.Join(root, Dir, name, r)); err != nil {
			var ps yamlstrict.Problems
			ps.Add(doc.Problem("updates.root", fmt.Sprintf("%s: %v", r, errors.Unwrap(err)), "write the update repository's root.json there (kitbash repo create makes it), or remove updates.root"))
			verr = ps.Err()
		}
	}
	var migrations []Migration
	if r := s.Updates.Migrations; r != "" && verr == nil {
		var err error
		if migrations, err = LoadMigrations(s.Updates.MigrationsDir(filepath.Join(root, Dir, name))); err != nil {
			fix := "fix each file as its message says"
			if isNotExist(err) {
				fix = "create the folder with <version>.json migration files, or remove updates.migrations"
			}
			msg := strings.ReplaceAll(err.Error(), filepath.Join(root, Dir, name), filepath.Join(shown, Dir, name))
			var ps yamlstrict.Problems
			ps.Add(doc.Problem("updates.migrations", msg, fix))
			verr = ps.Err()
		}
	}
	return &Loaded{Spec: s, Doc: doc, File: file, Migrations: migrations}, yamlstrict.Combine(derr, verr)
}

// List names the project's variants, sorted.
func List(root string) []string {
	entries, _ := os.ReadDir(filepath.Join(root, Dir))
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(root, Dir, e.Name(), File)); err == nil {
			out = append(out, e.Name())
		}
	}
	return out
}
