package api

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/kitbash-dev/kitbash/agents/internal/datastore"
	"github.com/kitbash-dev/kitbash/agents/internal/render"
	"github.com/kitbash-dev/kitbash/agents/internal/settings"
)

// Restarter restarts a service; settingsd's asks init over its control socket.
type Restarter interface {
	Restart(ctx context.Context, service string) error
}

// Options configures a Store.
type Options struct {
	Root          string // datastore root (on the private partition)
	OSVersion     string // the running OS version; names the datastore made at first boot
	Schema        *settings.Schema
	FS            datastore.FS // nil: the real file system
	TemplatesRoot string       // rendered files go below it; "" means "/"
	Restarter     Restarter    // nil: changed files restart nothing
	// UserData returns the settings tree of the user data. It is called only at first
	// boot, when the datastore has no settings yet; nil means no user data.
	UserData func() (map[string]any, error)
	Logf     func(format string, args ...any) // nil: silent
}

// Store holds the committed settings and the pending transaction, in memory and in the
// datastore, and renders the configuration files. Its methods are safe for concurrent
// use; they run one at a time.
type Store struct {
	mu        sync.Mutex
	o         Options
	dir       string // the version directory in use
	osVersion string
	committed settings.Values
	pending   settings.Values
	templates []*render.Template // parallel to o.Schema.Templates()
	restart   map[string]bool    // services whose files changed but whose restart failed
}

// Open opens the datastore under o.Root, creating it at first boot (from the user
// data, then pointing current at it), loads the committed settings and the pending
// transaction, and parses the declared templates.
func Open(o Options) (*Store, error) {
	if o.FS == nil {
		o.FS = datastore.OSFS{}
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	s := &Store{o: o, osVersion: o.OSVersion, restart: map[string]bool{}}
	for _, t := range o.Schema.Templates() {
		pt, err := render.ParseFile(t.Source)
		if err != nil {
			return nil, fmt.Errorf("open settings store: %s: %w", t.File, err)
		}
		s.templates = append(s.templates, pt)
	}
	dir, err := datastore.Current(o.Root)
	if datastore.IsNotExist(err) {
		dir, err = s.firstBoot()
	}
	if err != nil {
		return nil, fmt.Errorf("open settings store: %w", err)
	}
	s.dir = dir
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("open settings store: %w", err)
	}
	return s, nil
}

// firstBoot makes the datastore of this OS version with the user data as its committed
// settings and points current at it. A crash before the link is made is harmless: the
// next boot finds the settings already written and only makes the link.
func (s *Store) firstBoot() (string, error) {
	if s.o.OSVersion == "" {
		return "", errors.New("no datastore yet and no OS version to make one for")
	}
	dir := datastore.VersionDir(s.o.Root, s.o.OSVersion)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, datastore.SettingsFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		tree := map[string]any{}
		if s.o.UserData != nil {
			if tree, err = s.o.UserData(); err != nil {
				return "", err
			}
		}
		vals, ps := s.o.Schema.FromTree(tree, false)
		if len(ps) > 0 {
			return "", fmt.Errorf("user data:\n%w", ps)
		}
		doc := datastore.Doc{OSVersion: s.o.OSVersion, Settings: settings.ToTree(vals)}
		if err := datastore.Write(s.o.FS, path, doc); err != nil {
			return "", err
		}
		s.o.Logf("first boot: datastore %s made with %d settings from user data", dir, len(vals))
	}
	if err := datastore.SetCurrent(s.o.FS, s.o.Root, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// load reads the committed settings and the pending transaction from disk. Values the
// schema does not accept (left by an older OS) are logged and left out.
func (s *Store) load() error {
	committed, ver, err := s.read(datastore.SettingsFile, false)
	if err != nil {
		return err
	}
	pending, _, err := s.read(datastore.PendingFile, true)
	if err != nil {
		return err
	}
	if ver != "" {
		if s.o.OSVersion != "" && ver != s.o.OSVersion && ver != s.osVersion {
			s.o.Logf("datastore %s holds settings of OS %s, running %s (has the migrator run?)", s.dir, ver, s.o.OSVersion)
		}
		s.osVersion = ver
	}
	s.committed, s.pending = committed, pending
	return nil
}

func (s *Store) read(name string, allowNull bool) (settings.Values, string, error) {
	path := filepath.Join(s.dir, name)
	doc, err := datastore.Read(path)
	if datastore.IsNotExist(err) {
		return settings.Values{}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	vals, ps := s.o.Schema.Partial(doc.Settings, allowNull)
	for _, p := range ps {
		s.o.Logf("datastore %s: ignoring %s: %s", path, p.Path, p.Reason)
	}
	return vals, doc.OSVersion, nil
}

// reload brings memory back in line with disk after a failed write.
func (s *Store) reload() {
	if err := s.load(); err != nil {
		s.o.Logf("reloading the datastore after a failed write: %v", err)
	}
}

// effective is the committed settings over the defaults.
func (s *Store) effective() settings.Values {
	return settings.Merge(s.o.Schema.Defaults(), s.o.Schema.VariantDefaults(), s.committed)
}

// Settings returns the committed settings, defaults included, as a tree; keys (from
// DecodeKeys) selects some, nil means all.
func (s *Store) Settings(keys []string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	eff := s.effective()
	if keys != nil {
		eff = eff.Only(keys)
	}
	return settings.ToTree(eff)
}

// Pending returns the pending transaction as a tree (null leaves unset settings).
func (s *Store) Pending() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return settings.ToTree(s.pending)
}

// Patch adds checked values (from DecodePatch) to the pending transaction and returns
// the transaction.
func (s *Store) Patch(v settings.Values) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(v) == 0 {
		return settings.ToTree(s.pending), nil
	}
	next := settings.Overlay(s.pending, v)
	doc := datastore.Doc{OSVersion: s.osVersion, Settings: settings.ToTree(next)}
	if err := datastore.Write(s.o.FS, filepath.Join(s.dir, datastore.PendingFile), doc); err != nil {
		s.reload()
		return nil, fmt.Errorf("save the pending transaction: %w", err)
	}
	s.pending = next
	return settings.ToTree(next), nil
}

// Commit makes the pending transaction the committed settings and returns the keys
// whose effective values changed.
func (s *Store) Commit() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return []string{}, nil
	}
	before := s.effective()
	next := settings.Merge(s.committed, s.pending)
	doc := datastore.Doc{OSVersion: s.osVersion, Settings: settings.ToTree(next)}
	if err := datastore.Write(s.o.FS, filepath.Join(s.dir, datastore.SettingsFile), doc); err != nil {
		s.reload()
		return nil, fmt.Errorf("commit: %w", err)
	}
	s.committed = next
	if err := s.removePending(); err != nil {
		s.reload()
		return nil, fmt.Errorf("commit: settings saved, but %w", err)
	}
	changed := settings.Changed(before, s.effective())
	if changed == nil {
		changed = []string{}
	}
	return changed, nil
}

// Discard drops the pending transaction.
func (s *Store) Discard() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.removePending(); err != nil {
		s.reload()
		return err
	}
	return nil
}

func (s *Store) removePending() error {
	err := s.o.FS.Remove(filepath.Join(s.dir, datastore.PendingFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the pending transaction: %w", err)
	}
	if err := s.o.FS.SyncDir(s.dir); err != nil {
		return fmt.Errorf("remove the pending transaction: sync: %w", err)
	}
	s.pending = settings.Values{}
	return nil
}
