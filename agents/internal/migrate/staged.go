package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// StagedInfoFile is the file the updater writes, last, into a staged migrations
// directory (<staged root>/<version>/): the move between OS versions it staged the
// migration files for. Its name does not end in .json, so LoadDir skips it.
const StagedInfoFile = "staged"

// StagedInfo is the content of StagedInfoFile.
type StagedInfo struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// WriteStagedInfo writes dir's StagedInfoFile (and fsyncs it): the files in dir are
// all the migrations of the move from one version to another.
func WriteStagedInfo(dir string, info StagedInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, StagedInfoFile)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// mergeStaged adds to s the migration files staged by the updater for a move between
// from and to, in either direction: the directories <root>/<from> and <root>/<to>
// whose StagedInfoFile names that pair. A version s already has keeps s's file (the
// running image's own). It reports whether such a directory was found: then the files
// are the complete list of changes between the two versions, so a version among them
// without a file changed nothing.
func (s *Set) mergeStaged(root string, from, to Version) (bool, error) {
	if root == "" {
		return false, nil
	}
	found := false
	for _, v := range []Version{from, to} {
		dir := filepath.Join(root, v.String())
		b, err := os.ReadFile(filepath.Join(dir, StagedInfoFile))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("staged migrations: %w", err)
		}
		var info StagedInfo
		if err := json.Unmarshal(b, &info); err != nil {
			return false, fmt.Errorf("staged migrations %s: %w", filepath.Join(dir, StagedInfoFile), err)
		}
		f, err1 := ParseVersion(info.From)
		t, err2 := ParseVersion(info.To)
		if err1 != nil || err2 != nil || !((f.Compare(from) == 0 && t.Compare(to) == 0) || (f.Compare(to) == 0 && t.Compare(from) == 0)) {
			continue // staged for another move
		}
		staged, err := LoadDir(dir)
		if err != nil {
			return false, fmt.Errorf("staged %w", err)
		}
		for _, sf := range staged.Files {
			if s.file(sf.Version) == nil {
				s.add(sf)
			}
		}
		found = true
	}
	return found, nil
}

// file returns s's file of version v, or nil.
func (s *Set) file(v Version) *File {
	for _, f := range s.Files {
		if f.Version.Compare(v) == 0 {
			return f
		}
	}
	return nil
}

// add inserts f, keeping s.Files ascending.
func (s *Set) add(f *File) {
	i := 0
	for i < len(s.Files) && s.Files[i].Version.Compare(f.Version) < 0 {
		i++
	}
	s.Files = append(s.Files, nil)
	copy(s.Files[i+1:], s.Files[i:])
	s.Files[i] = f
}
