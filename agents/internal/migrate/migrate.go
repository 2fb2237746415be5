package migrate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kitbash-dev/kitbash/agents/internal/datastore"
)

// Options says what Migrate works on.
type Options struct {
	Root          string // datastore root (holds current and v<version> directories)
	MigrationsDir string // directory of <version>.json files (the image's); missing: none
	// StagedDir holds the updater's staged migrations, <StagedDir>/<version>/ (see
	// StagedInfoFile); empty: none. They add the files the image lacks, the newer
	// versions' ones when going back to this version.
	StagedDir string
	To        string       // target OS version
	FS        datastore.FS // file operations; nil means datastore.OSFS
}

// Result reports what Migrate did.
type Result struct {
	From, To string
	Steps    int  // migration files applied
	Changed  bool // false: nothing to do (already at To, or no datastore yet)
	Reason   string
}

// Migrate moves the datastore under o.Root from the version current points to, to o.To.
// With no current link (first boot) or current already at o.To it does nothing. The
// settings are migrated in memory, written to v<To>.tmp, renamed to v<To> (replacing a
// stale v<To> left by an earlier visit to that version) and current is repointed last.
// On any error the temporary copy is removed and current and v<From> are untouched.
func Migrate(o Options) (Result, error) {
	fsys := o.FS
	if fsys == nil {
		fsys = datastore.OSFS{}
	}
	to, err := ParseVersion(o.To)
	if err != nil {
		return Result{}, fmt.Errorf("target: %w", err)
	}
	res := Result{To: o.To}
	curDir, err := datastore.Current(o.Root)
	if err != nil {
		if datastore.IsNotExist(err) {
			res.Reason = fmt.Sprintf("no datastore at %s yet, nothing to migrate", o.Root)
			return res, nil
		}
		return res, err
	}
	fromText, ok := strings.CutPrefix(filepath.Base(curDir), "v")
	if !ok {
		return res, fmt.Errorf("datastore %s: current points to %s, not v<version>", o.Root, filepath.Base(curDir))
	}
	from, err := ParseVersion(fromText)
	if err != nil {
		return res, fmt.Errorf("datastore %s: current: %w", o.Root, err)
	}
	res.From = fromText
	if from.Compare(to) == 0 {
		res.Reason = "datastore already at " + fromText
		return res, nil
	}
	doc, err := readDoc(curDir, fromText)
	if err != nil {
		return res, err
	}
	set, err := LoadDir(o.MigrationsDir)
	if errors.Is(err, fs.ErrNotExist) {
		set, err = &Set{Dir: o.MigrationsDir}, nil // an image without settings changes
	}
	if err != nil {
		return res, err
	}
	staged, err := set.mergeStaged(o.StagedDir, from, to)
	if err != nil {
		return res, err
	}
	if staged && from.Compare(to) > 0 && set.file(from) == nil {
		// the updater staged every change between the two versions: none at from
		set.add(&File{Path: fmt.Sprintf("(no change staged for %s)", fromText), Version: from})
	}
	steps, err := set.Plan(from, to)
	if err != nil {
		return res, err
	}
	settings, err := Run(doc.Settings, steps)
	if err != nil {
		return res, fmt.Errorf("migrate %s to %s: %w", fromText, o.To, err)
	}
	newDir := datastore.VersionDir(o.Root, o.To)
	if err := commit(fsys, o.Root, curDir, newDir, datastore.Doc{OSVersion: o.To, Settings: settings}); err != nil {
		return res, fmt.Errorf("migrate %s to %s: %w", fromText, o.To, err)
	}
	res.Steps, res.Changed = len(steps), true
	res.Reason = fmt.Sprintf("datastore moved from %s to %s (%d migration file(s))", fromText, o.To, len(steps))
	return res, nil
}

// readDoc reads the settings of a version directory; a directory without settings
// (nothing committed yet) reads as empty settings.
func readDoc(dir, version string) (datastore.Doc, error) {
	doc, err := datastore.Read(filepath.Join(dir, datastore.SettingsFile))
	if datastore.IsNotExist(err) {
		return datastore.Doc{OSVersion: version, Settings: map[string]any{}}, nil
	}
	if err != nil {
		return doc, err
	}
	if doc.OSVersion != "" && doc.OSVersion != version {
		return doc, fmt.Errorf("datastore %s: osVersion %q does not match the directory name", dir, doc.OSVersion)
	}
	return doc, nil
}

// commit writes doc as newDir through a temporary copy of oldDir and points current at
// it. On failure nothing it made is left behind and current is unchanged.
func commit(fsys datastore.FS, root, oldDir, newDir string, doc datastore.Doc) (err error) {
	if filepath.Clean(oldDir) == filepath.Clean(newDir) {
		return fmt.Errorf("source and target are both %s", newDir)
	}
	tmp := newDir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove stale %s: %w", tmp, err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := copyExtras(oldDir, tmp); err != nil {
		return err
	}
	if err := datastore.Write(fsys, filepath.Join(tmp, datastore.SettingsFile), doc); err != nil {
		return err
	}
	if err := os.RemoveAll(newDir); err != nil {
		return fmt.Errorf("remove stale %s: %w", newDir, err)
	}
	if err := fsys.Rename(tmp, newDir); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if err := fsys.SyncDir(root); err != nil {
		_ = os.RemoveAll(newDir)
		return fmt.Errorf("sync %s: %w", root, err)
	}
	if err := datastore.SetCurrent(fsys, root, newDir); err != nil {
		if cur, cerr := datastore.Current(root); cerr == nil && cur != newDir {
			_ = os.RemoveAll(newDir)
		}
		return err
	}
	return nil
}

// copyExtras makes dst and copies into it the regular files of src other than the
// settings (rewritten by the migration), an open transaction (which does not survive a
// version change) and temporary files.
func copyExtras(src, dst string) error {
	if err := os.Mkdir(dst, 0o700); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		if !e.Type().IsRegular() || n == datastore.SettingsFile || n == datastore.PendingFile || strings.HasSuffix(n, ".tmp") {
			continue
		}
		if err := copyFile(filepath.Join(src, n), filepath.Join(dst, n)); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	err = errors.Join(err, out.Sync(), out.Close())
	return err
}
