package project

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteLock validates lock, sorts its lists and atomically replaces DIR/Kitbash.lock with
// it; on success l.Lock and l.LockExists reflect what was written. The same lock always
// gives the same bytes.
func (l *Loaded) WriteLock(lock Lock) error {
	lock = lock.normalized()
	name := filepath.Join(l.Dir, LockName)
	if err := lock.Validate(nil); err != nil {
		return fmt.Errorf("refusing to write an invalid %s:\n%w", name, err)
	}
	data, err := lock.encode()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(name, data, 0o644); err != nil {
		return err
	}
	l.Lock, l.LockExists = lock, true
	return nil
}

// writeFileAtomic writes data to a temporary file next to name, syncs it, renames it over
// name and syncs the directory, so readers see the old or the new file, never a part.
// The temporary file is removed on failure.
func writeFileAtomic(name string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("writing %s: %w", name, err)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
