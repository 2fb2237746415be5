// Package datastore keeps the settings of one OS version on disk: a JSON document
// written atomically (temp file, fsync, rename, fsync of the directory), so that a crash
// at any step leaves either the old or the new document, never a mix.
//
// Layout under the datastore root (on the PRIVATE partition):
//
//	<root>/current -> v<version>      symlink: the datastore the running OS uses
//	<root>/v<version>/settings.json   committed settings
//	<root>/v<version>/pending.json    an open transaction, if any
//
// The migrator makes v<new> from v<old> as a copy and repoints current atomically.
package datastore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Schema is the schemaVersion of Doc.
const Schema = 1

// File names inside a version directory.
const (
	SettingsFile = "settings.json"
	PendingFile  = "pending.json"
	CurrentLink  = "current"
)

// Doc is the stored document: the settings tree for one OS version.
type Doc struct {
	SchemaVersion int            `json:"schemaVersion"`
	OSVersion     string         `json:"osVersion"`
	Settings      map[string]any `json:"settings"`
}

// FS is the file operations the store makes; tests inject failures through it.
type FS interface {
	WriteFile(name string, data []byte, perm fs.FileMode) error // create/truncate, write, fsync, close
	Rename(oldpath, newpath string) error
	SyncDir(dir string) error
	Remove(name string) error
}

// OSFS is the real file system.
type OSFS struct{}

func (OSFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
func (OSFS) Rename(o, n string) error { return os.Rename(o, n) }
func (OSFS) Remove(n string) error    { return os.Remove(n) }
func (OSFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ErrNotExist is returned by Read when the file does not exist.
var ErrNotExist = fs.ErrNotExist

// Read loads a document from path.
func Read(path string) (Doc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Doc{}, err
	}
	var d Doc
	if err := json.Unmarshal(b, &d); err != nil {
		return Doc{}, fmt.Errorf("datastore %s: %w", path, err)
	}
	if d.SchemaVersion != Schema {
		return Doc{}, fmt.Errorf("datastore %s: schemaVersion %d, this agent reads %d", path, d.SchemaVersion, Schema)
	}
	if d.Settings == nil {
		d.Settings = map[string]any{}
	}
	return d, nil
}

// Write stores d at path atomically through fsys: path.tmp is written and synced,
// renamed over path, and the directory synced.
func Write(fsys FS, path string, d Doc) error {
	d.SchemaVersion = Schema
	if d.Settings == nil {
		d.Settings = map[string]any{}
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("datastore %s: encode: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := fsys.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		_ = fsys.Remove(tmp)
		return fmt.Errorf("datastore %s: write: %w", path, err)
	}
	if err := fsys.Rename(tmp, path); err != nil {
		_ = fsys.Remove(tmp)
		return fmt.Errorf("datastore %s: rename: %w", path, err)
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("datastore %s: sync directory: %w", path, err)
	}
	return nil
}

// VersionDir is the directory of an OS version's datastore under root.
func VersionDir(root, osVersion string) string { return filepath.Join(root, "v"+osVersion) }

// Current returns the directory the current link points to.
func Current(root string) (string, error) {
	target, err := os.Readlink(filepath.Join(root, CurrentLink))
	if err != nil {
		return "", fmt.Errorf("datastore %s: %w", root, err)
	}
	if filepath.IsAbs(target) || filepath.Base(target) != target {
		return "", fmt.Errorf("datastore %s: current points to %q, not a version directory", root, target)
	}
	return filepath.Join(root, target), nil
}

// SetCurrent atomically points the current link at dir (a directory under root): a new
// link is made under a temporary name and renamed over the old one.
func SetCurrent(fsys FS, root, dir string) error {
	rel := filepath.Base(dir)
	tmp := filepath.Join(root, CurrentLink+".tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return fmt.Errorf("datastore %s: %w", root, err)
	}
	if err := fsys.Rename(tmp, filepath.Join(root, CurrentLink)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("datastore %s: switch current: %w", root, err)
	}
	return fsys.SyncDir(root)
}

// IsNotExist reports whether err says a datastore file is missing.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
